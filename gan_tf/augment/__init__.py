"""Differentiable augmentations of every image D sees, reals and fakes alike, for training
with limited data: ADA (Karras et al. 2020b, `ada`) and DiffAugment (Zhao et al. 2020,
`diffaugment`), each an `Augmentation` (`base`) the noise-to-image models call."""
