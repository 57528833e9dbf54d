"""Learning-rate schedules the papers use that Keras does not have."""

from __future__ import annotations

from typing import Any

import keras


@keras.saving.register_keras_serializable(package="gan_tf")
class LinearDecayAfter(keras.optimizers.schedules.LearningRateSchedule):
    """Constant `learning_rate` for `decay_start` optimizer updates, then linear decay to zero
    at `total_steps` (CycleGAN, Zhu et al. 2017, sec. 4: "keep the same learning rate for the
    first 100 epochs and linearly decay the rate to zero over the next 100 epochs"; SNGAN's
    code decays from the first update, `decay_start` 0). The linear part is Keras's
    PolynomialDecay with power 1, shifted by `decay_start`: Keras has no delayed decay."""

    def __init__(self, learning_rate: float, decay_start: int, total_steps: int) -> None:
        self.learning_rate = float(learning_rate)
        self.decay_start = int(decay_start)
        self.total_steps = int(total_steps)
        self._decay = keras.optimizers.schedules.PolynomialDecay(
            self.learning_rate,
            max(1, self.total_steps - self.decay_start),
            end_learning_rate=0.0,
            power=1.0,
        )

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        return self._decay(keras.ops.maximum(step - self.decay_start, 0.0))

    def get_config(self) -> dict[str, Any]:
        return {
            "learning_rate": self.learning_rate,
            "decay_start": self.decay_start,
            "total_steps": self.total_steps,
        }
