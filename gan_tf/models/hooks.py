"""Two pieces of state the modern GANs add to a model: the generator's moving average and a
schedule the step reads. Both are checkpointed with the model (`AdversarialModel`).

Written here rather than taken from Keras: Keras optimizers can keep an EMA of the variables
they train (`use_ema=True`), but only inside the optimizer, to overwrite the weights at the end;
sampling from the average while the raw generator trains on, copying batch-norm statistics and
starting at a given step need a network of its own.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from gan_tf.models.precision import nested_layers


class GeneratorEMA(tf.Module):
    """An exponential moving average of the generator's weights (Karras et al. 2018, sec. 4.1;
    Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training", eq. 2):

        theta_ema <- decay * theta_ema + (1 - decay) * theta     after every generator update

    from step `start` on; before it the average is a copy of G. Non-trainable weights (batch
    norm's moving statistics) are copied, not averaged, as the StyleGAN2-ADA code does for its
    buffers. `network` is a clone of the generator, built and filled with its weights.

    Args:
      generator: the network to average (a Keras model that `clone_model` can copy).
      decay: the average's decay per update, e.g. 0.999, or a function of the step (a tensor)
        to it (`half_life_decay`).
      start: the training step from which it averages.
    """

    def __init__(
        self,
        generator: keras.Model,
        decay: float | Callable[[tf.Tensor], tf.Tensor],
        start: int = 0,
    ) -> None:
        super().__init__(name="generator_ema")
        if not callable(decay) and not 0.0 < decay < 1.0:
            raise ValueError(f"the EMA decay must be in (0, 1), got {decay}")
        if start < 0:
            raise ValueError(f"the EMA start step must be >= 0, got {start}")
        self.decay = decay if callable(decay) else float(decay)
        self.start = int(start)
        self.network = keras.models.clone_model(generator)
        self.network.name = f"{generator.name}_ema"
        self.network.set_weights(generator.get_weights())

    def update(self, generator: keras.Model, step: tf.Tensor) -> None:
        """One averaging step after G's update at training step `step` (a tensor)."""
        decay = self.decay(step) if callable(self.decay) else self.decay
        decay = tf.where(step >= self.start, decay, 0.0)
        for average, weight in zip(self.network.weights, generator.weights, strict=True):
            value = tf.convert_to_tensor(weight)
            if weight.trainable:
                keep = tf.cast(decay, value.dtype)
                value = keep * tf.convert_to_tensor(average) + (1.0 - keep) * value
            average.assign(value)


def half_life_decay(
    batch_size: int | Callable[[tf.Tensor], tf.Tensor],
    half_life_images: float,
    rampup: float = 0.0,
) -> Callable[[tf.Tensor], tf.Tensor]:
    """The EMA decay at each step for an average with a half-life in images (StyleGAN2-ADA
    training_loop.py: beta = 0.5^(batch / half-life)), the half-life capped at `rampup` times
    the images shown before the step when `rampup` > 0 (so the first step copies G).
    `batch_size`: the batch, or a function of the step to it (a growing model's; with it no
    ramp-up)."""
    if callable(batch_size) and rampup:
        raise ValueError("the EMA's ramp-up needs a constant batch size")

    def decay(step: tf.Tensor) -> tf.Tensor:
        batch = tf.cast(batch_size(step) if callable(batch_size) else batch_size, tf.float32)
        half_life = tf.constant(float(half_life_images), tf.float32)
        if rampup:
            shown = tf.cast(step, tf.float32) * batch
            half_life = tf.minimum(half_life, shown * rampup)
        return tf.pow(0.5, batch / tf.maximum(half_life, 1e-8))

    return decay


class Schedule(tf.Module):
    """Values that change over training, each a pure function of the images shown to D so far
    (e.g. progressive growing's fade-in coefficient, Karras et al. 2018, sec. 3).

    The count is one int64 variable, checkpointed with the model and advanced by the step
    (`AdversarialModel.finish_step`), so a resumed run continues where it stopped; a step
    reads a value as `model.schedule("alpha")`, a tensor (the step still traces once).

    Args:
      values: name -> function of the image count (an int64 tensor) to a tensor.
    """

    def __init__(self, values: dict[str, Callable[[tf.Tensor], tf.Tensor]]) -> None:
        super().__init__(name="schedule")
        self.values = dict(values)
        # "On read", like the step counter: every replica counts the same images.
        self.images_seen = keras.Variable(
            0,
            dtype="int64",
            trainable=False,
            name="images_seen",
            synchronization="on_read",
            aggregation="only_first_replica",
        )

    def advance(self, images: int) -> None:
        self.images_seen.assign_add(tf.cast(images, tf.int64))

    def __call__(self, name: str) -> tf.Tensor:
        return self.values[name](self.images_seen.value)

    def logs(self) -> dict[str, tf.Tensor]:
        """Every value, as float32 scalars named `schedule/<name>`."""
        return {f"schedule/{name}": tf.cast(self(name), tf.float32) for name in self.values}


def standing_statistics(
    network: keras.Model, make_inputs: Callable[[int], object], batches: int
) -> int:
    """Replaces the moving statistics of every batch norm in `network` by the average of its
    batch statistics over `batches` forward passes in training mode ("standing statistics",
    Brock et al. 2019, appendix C.1). Needed by an EMA generator with batch norm: its weights
    are averaged, but the moving statistics it holds were accumulated by the raw generator's
    weights. `make_inputs(k)` gives the k-th batch of inputs. Returns the layers updated.

    The average is exact: the k-th pass (from 0) updates with momentum k / (k + 1).
    """
    layers = [
        layer
        for layer in nested_layers(network)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers or batches < 1:
        return 0
    momenta = [layer.momentum for layer in layers]
    try:
        for k in range(batches):
            for layer in layers:
                layer.momentum = k / (k + 1)
            network(make_inputs(k), training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
    return len(layers)
