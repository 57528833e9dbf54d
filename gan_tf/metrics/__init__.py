"""GAN evaluation metrics on FID Inception-v3 features.

- ``inception``: the FID Inception-v3 network (2015-12-05 graph), preprocessing, feature
  extraction, and ``python -m gan_tf.metrics.inception --download`` for its weights.
- ``fid``: Fréchet Inception Distance (Heusel et al. 2017).
- ``kid``: Kernel Inception Distance (Bińkowski et al. 2018).
- ``inception_score``: Inception Score (Salimans et al. 2016), from class probabilities.
- ``precision_recall``: improved precision and recall (Kynkäänniemi et al. 2019).

Only ``inception`` imports TensorFlow; the metric modules work on numpy features, so nothing is
imported here (importing this package stays cheap).
"""
