"""`FusedAdam`: Keras's Adam with each variable's update done by one TensorFlow kernel.

Keras 3's Adam (`keras.optimizers.Adam.update_step`) updates a variable with about ten
element-wise ops, each a pass over memory; TensorFlow's `ResourceApplyAdam` kernel does the
same update in one pass. Without XLA, which would fuse those ops itself, the ten passes cost a
third of a pix2pix step on a CPU (`benchmarks/step_profile.py`, experiments/speed.md). The
formula is Keras's, Kingma & Ba 2015, Algorithm 1 in its sec. 2 form with epsilon-hat:

    m <- m + (g - m) (1 - beta_1);   v <- v + (g^2 - v) (1 - beta_2)
    var <- var - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)

so the checkpoints, slots and settings are Keras's Adam's. AMSGrad, sparse gradients and
multi-replica updates keep Keras's own ops; weight decay, which Keras applies before the update
step, is unchanged.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def _resource(variable):
    """The tf.Variable of a Keras variable (or the tf.Variable itself)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


@keras.saving.register_keras_serializable(package="gan_tf")
class FusedAdam(keras.optimizers.Adam):
    """keras.optimizers.Adam whose update step is TensorFlow's fused `ResourceApplyAdam`."""

    def update_step(self, gradient, variable, learning_rate) -> None:
        fused = (
            not self.amsgrad
            and tf.distribute.get_strategy().num_replicas_in_sync == 1
            and not isinstance(gradient, tf.IndexedSlices)
        )
        if not fused:
            super().update_step(gradient, variable, learning_rate)
            return
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_resource(variable).handle,
            m=_resource(self._momentums[index]).handle,
            v=_resource(self._velocities[index]).handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype),
            beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
            use_locking=False,
        )
