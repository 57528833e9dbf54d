"""The networks' named options, importable without Keras (the configs declare their flags'
choices from them; `gan_tf.networks.patchgan` and `gan_tf.networks.stargan` build them)."""

# PatchGAN receptive field -> number of 4x4 stride-2 convolutions (Isola et al. 2017, appendix
# 6.1.2). Each is followed by one 4x4 stride-1 conv and the 4x4 stride-1 output conv; 1 is the
# 1x1 "PixelGAN".
PATCHGAN_STRIDED_CONVS = {16: 1, 70: 3, 286: 5}
VALID_RECEPTIVE_FIELDS = (1, *sorted(PATCHGAN_STRIDED_CONVS))
# How the StarGAN generator sees the target domain: "input" (the paper: tiled label channels
# joined to the image) or "input_and_norms" (also a domain-dependent scale and shift after each
# down- and up-sampling instance norm: an ablation, see `stargan_generator`).
DOMAIN_CONDITIONING = ("input", "input_and_norms")
