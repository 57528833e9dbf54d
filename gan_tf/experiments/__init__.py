"""Command-line experiments, one module per variant: `python -m gan_tf.experiments.<variant>`."""

import os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notices) hides the real output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
