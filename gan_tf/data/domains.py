"""The names the translation data offers, importable without TensorFlow (the configs declare
their flags' choices and defaults from them; `gan_tf.data.translation` implements them)."""

# StarGAN's CelebA domains (Choi et al. 2018, sec. 4.3); the hair colors are exclusive.
CELEB_A_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
CELEB_A_HAIR = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")
DERIVED_DOMAINS = ("original", "inverted", "rotated", "colorized")
# How pix2pix derives an input from a TFDS image (--pairs), and CycleGAN its domain B.
PAIR_TASKS = ("edges", "grayscale", "inverted")
UNPAIRED_TRANSFORMS = ("inverted", "colorized", "rotated")
