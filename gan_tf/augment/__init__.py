"""Differentiable augmentations of every image D sees, reals and fakes alike, for training
with limited data: DiffAugment (Zhao et al. 2020, `diffaugment`)."""
