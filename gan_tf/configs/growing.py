"""Progressive growing (Karras et al. 2018, "Progressive Growing of GANs", sec. 2): the
schedule of phases both growing variants share (PGGAN, and StyleGAN, which trains with the
same `TrainingSchedule`), in images shown to D, and the data of each phase.

A variant's config derives from `GrowingSettings` and sets its own defaults (lengths, batches).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from gan_tf.configs.base import setting
from gan_tf.errors import UsageError

# PGGAN's code (config.py preset-v2-1gpu, fp32): the batch per resolution from 4x4 up.
PGGAN_CODE_BATCH_SIZES = [128, 128, 128, 64, 32, 16, 8, 4, 4]


@dataclasses.dataclass(frozen=True)
class Phase:
    """A stretch of training with one network shape: `level` (side 4 * 2^level), stable or
    fading block `level` in, from `begin_step` for `steps` steps of `batch_size` images.

    `begin_image` and `images` are the schedule's start and length in images (alpha runs
    from 0 at the one to 1 at the other); the phase starts at the first step at or past its
    start, `shown_before` images after the run's beginning (less than a batch later)."""

    level: int
    fading: bool
    begin_step: int
    begin_image: int
    images: int
    steps: int
    batch_size: int
    shown_before: int

    @property
    def resolution(self) -> int:
        return 4 * 2**self.level

    @property
    def end_step(self) -> int:
        return self.begin_step + self.steps


def phase_at(phases: Sequence[Phase], step: int) -> Phase:
    """The phase of `phases` that step `step` (counted from 0) belongs to; the last one for
    any step past the schedule."""
    return next((p for p in phases if step < p.end_step), phases[-1])


@dataclasses.dataclass
class GrowingSettings:
    """The schedule's settings (train.py `TrainingSchedule` in both authors' codes): a stable
    phase at 4x4, then per resolution a fade-in and a stable phase, their lengths in images;
    the batch per resolution; `train_steps` and the final `batch_size` follow from them."""

    progressive: bool = setting(
        True,
        "Grow from 4x4; --noprogressive trains the final networks from the start for the same "
        "number of images (PGGAN's Table 1 ablation; config.py `-nogrowing`).",
    )
    stable_images: int = setting(
        600_000,
        "Images per stable phase (train.py lod_training_kimg 600; the PGGAN paper: 800k).",
        lower_bound=1,
    )
    fade_images: int = setting(
        600_000,
        "Images per fade-in phase (train.py lod_transition_kimg 600; the PGGAN paper: 800k).",
        lower_bound=1,
    )
    total_images: int = setting(
        12_000_000,
        "Images shown to D in all; after the last fade-in the final resolution trains until "
        "then (PGGAN's config.py preset-v2: total_kimg 12000).",
        lower_bound=1,
        group="training",
    )
    batch_sizes: list[int] = setting(
        PGGAN_CODE_BATCH_SIZES,
        "Global batch per resolution from 4x4 up; the last one for any larger (PGGAN's "
        "config.py preset-v2-1gpu minibatch_dict with the fp32 caps).",
        group="training",
    )
    batch_size: int = setting(
        4, "The final resolution's batch (from --batch_sizes).", flag=False, group="training"
    )
    train_steps: int = setting(
        1, "Steps in all (from --total_images and --batch_sizes).", flag=False, group="training"
    )
    reset_optimizers: bool = setting(
        True,
        "Zero both optimizers' state when a phase begins (train.py reset_opt_for_new_lod, "
        "on by default).",
    )

    def check_minibatch_groups(self, group_size: int, flag: str) -> None:
        """UsageError when a phase's batch does not split into minibatch-stddev groups."""
        if not self.batch_sizes:
            raise UsageError("--batch_sizes needs at least one batch size")
        for phase in self.phases():
            group = min(group_size, phase.batch_size)
            if phase.batch_size % group:
                raise UsageError(
                    f"the batch of {phase.batch_size} at {phase.resolution}x{phase.resolution} "
                    f"does not split into minibatch-stddev groups of {group}: change "
                    f"--batch_sizes or --{flag}"
                )

    def with_schedule(self):
        """The config with `batch_size` and `train_steps` from the schedule."""
        phases = self.phases()
        return self.replace(batch_size=phases[-1].batch_size, train_steps=phases[-1].end_step)

    def batch_size_at(self, level: int) -> int:
        return int(self.batch_sizes[min(level, len(self.batch_sizes) - 1)])

    def phases(self) -> list[Phase]:
        """The schedule (train.py `TrainingSchedule`): a stable phase at 4x4, then per further
        resolution a fade-in and a stable phase; the last stable phase lasts until
        `total_images`. Without `progressive`, one stable phase at the final resolution."""
        from gan_tf.networks.pggan import levels_of

        last = levels_of(self.image_size) - 1
        plan = [(0, False, self.stable_images)]
        if not self.progressive:
            plan = [(last, False, self.total_images)]
        for level in range(1, last + 1 if self.progressive else 0):
            plan += [(level, True, self.fade_images), (level, False, self.stable_images)]
        phases, step, shown, begin = [], 0, 0, 0
        for index, (level, fading, images) in enumerate(plan):
            end = self.total_images if index == len(plan) - 1 else begin + images
            end = min(end, self.total_images)
            batch = self.batch_size_at(level)
            steps = max(math.ceil((end - shown) / batch), 1)
            phases.append(Phase(level, fading, step, begin, images, steps, batch, shown))
            step, shown, begin = step + steps, shown + steps * batch, end
            if shown >= self.total_images:
                break
        return phases

    def phase_at(self, step: int) -> Phase:
        """The phase that step `step` (counted from 0) belongs to."""
        return phase_at(self.phases(), step)

    def training_pipeline(self, start_step: int = 0):
        """The batches of the phase of `start_step`, from that step on: images padded (not
        resized) up to `image_size` when smaller, as the authors' dataset_tool.py does for
        MNIST, then box-filtered down to the phase's resolution (its TFRecords hold each
        level of detail so)."""
        from gan_tf.data.pipelines import image_pipeline
        from gan_tf.networks.pggan import downsample

        phase = self.phase_at(start_step)
        consumed = phase.shown_before + (start_step - phase.begin_step) * phase.batch_size
        factor = self.image_size // phase.resolution
        dataset = image_pipeline(
            self.dataset,
            batch_size=phase.batch_size,
            image_size=self.image_size,
            split=self.split,
            train_images=self.train_images,
            with_labels=False,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
            seed=self.seed,
            start_example=consumed,
            pad=True,
        )
        return dataset.map(lambda images: downsample(images, factor))
