"""GAN evaluation metrics on FID Inception-v3 features.

- ``inception``: the FID Inception-v3 network (2015-12-05 graph), preprocessing, feature
  extraction, and ``python -m gan_tf.metrics.inception --download`` for its weights.
- ``fid``: Fréchet Inception Distance (Heusel et al. 2017).
- ``kid``: Kernel Inception Distance (Bińkowski et al. 2018).
- ``inception_score``: Inception Score (Salimans et al. 2016), from class probabilities.
- ``precision_recall``: improved precision and recall (Kynkäänniemi et al. 2019).
- ``classifier_score``: TF-GAN's classifier score and Fréchet classifier distance on the
  project's MNIST / Fashion-MNIST classifier (weights in ``classifier_weights/``, trained by
  ``python -m gan_tf.metrics.train_classifier``).
- ``real_stats``: the on-disk cache of real-data features and statistics.
- ``evaluation``: generating samples and computing the metrics of a model (used by
  ``python -m gan_tf.evaluate`` and by training with ``--eval_every``).

``inception``, ``classifier_score``, ``evaluation`` and ``train_classifier`` import TensorFlow;
the metric modules work on numpy features. Nothing is imported here (importing this package
stays cheap).
"""
