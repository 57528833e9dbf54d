"""gan_tf: classic generative adversarial networks in TensorFlow 2 / Keras 3.

Layers, each importing only those below it:
  data/, networks/  ->  losses  ->  models/  ->  training/  ->  metrics/  ->  experiments/, CLIs
"""

__version__ = "0.1.0"
