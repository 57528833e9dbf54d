"""Mode coverage and sample quality on a mixture with known modes.

The two numbers of the synthetic-data experiments of VEEGAN (Srivastava et al. 2017, "VEEGAN:
Reducing Mode Collapse in GANs using Implicit Variational Learning"), which compare GAN, ALI,
the unrolled GAN (Metz et al. 2017, "Unrolled Generative Adversarial Networks", where the 2-D
mixture is the showcase of mode collapse) and VEEGAN on the 2-D ring and grid, from 2,500
samples averaged over five runs:

- a generated sample is *high quality* when it lies within `threshold_std` (3) standard
  deviations of the nearest mode's mean;
- the *high-quality share* is the fraction of all samples that are high quality;
- a mode is *covered* ("captured") when enough high-quality samples have it as their nearest
  mode. VEEGAN counts a mode with at least one such sample; with 10,000 samples a single stray
  point would then count, so here a mode needs at least `min_share` (1%) of all samples, an
  eighth of its fair share on the 8-mode ring. `min_share=0` gives VEEGAN's rule.

Distances are Euclidean in the data space. Non-finite samples (a diverged generator) count as
low quality. Only numpy is needed.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """The result of `mode_coverage`.

    Attributes:
      modes_covered: number of modes with at least `min_share` of the samples within
        `threshold_std` standard deviations.
      high_quality_share: fraction of all samples within `threshold_std` standard deviations of
        their nearest mode, in [0, 1].
      counts: (num_modes,) int: high-quality samples whose nearest mode is each mode.
      covered: (num_modes,) bool: which modes are covered.
      num_samples: how many samples were evaluated.
    """

    modes_covered: int
    high_quality_share: float
    counts: np.ndarray
    covered: np.ndarray
    num_samples: int

    @property
    def num_modes(self) -> int:
        return int(self.counts.shape[0])


def mode_coverage(
    samples: np.ndarray,
    centres: np.ndarray,
    std: float,
    threshold_std: float = 3.0,
    min_share: float = 0.01,
) -> ModeCoverage:
    """Modes covered and share of high-quality samples (Srivastava et al. 2017; Metz et al. 2017).

    Args:
      samples: (num_samples, dims) generated points.
      centres: (num_modes, dims) the mixture's mode means.
      std: the standard deviation of each mixture component.
      threshold_std: a sample within `threshold_std * std` of its nearest mode is high quality.
      min_share: a mode is covered when at least this fraction of *all* samples are high-quality
        samples of that mode (0 means: at least one).

    Returns:
      a `ModeCoverage`.
    """
    samples = np.asarray(samples, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    if samples.ndim != 2 or centres.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(
            f"need samples (n, d) and centres (k, d) with the same d, got {samples.shape} "
            f"and {centres.shape}"
        )
    if samples.shape[0] == 0 or centres.shape[0] == 0:
        raise ValueError("need at least one sample and one centre")
    if std <= 0 or threshold_std <= 0 or not 0 <= min_share <= 1:
        raise ValueError(
            f"need std > 0, threshold_std > 0 and 0 <= min_share <= 1, got {std}, "
            f"{threshold_std}, {min_share}"
        )

    num_samples, num_modes = samples.shape[0], centres.shape[0]
    finite = np.all(np.isfinite(samples), axis=1)
    # (n, k) squared distances; non-finite samples are infinitely far from every mode.
    squared = np.sum((samples[:, None, :] - centres[None, :, :]) ** 2, axis=-1)
    squared[~finite] = np.inf
    nearest = np.argmin(squared, axis=1)
    nearest_distance = np.sqrt(squared[np.arange(num_samples), nearest])
    high_quality = nearest_distance <= threshold_std * std

    counts = np.bincount(nearest[high_quality], minlength=num_modes)
    # At least one sample, and at least min_share of them (tolerant of float round-off: 1% of
    # 300 samples is 3).
    required = max(1, int(np.ceil(min_share * num_samples - 1e-9)))
    covered = counts >= required
    return ModeCoverage(
        modes_covered=int(np.sum(covered)),
        high_quality_share=float(np.mean(high_quality)),
        counts=counts,
        covered=covered,
        num_samples=num_samples,
    )
