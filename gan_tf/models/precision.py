"""Mixed precision: which Keras dtype policy a run's networks are built under, and loss scaling.

Micikevicius et al. 2018 ("Mixed Precision Training"): keep float32 master weights, compute in
16 bits, and, for float16, scale the loss so that small gradients do not underflow. In Keras 3
that is a dtype policy per layer ("mixed_float16" / "mixed_bfloat16": float32 variables, 16-bit
computation) and `keras.optimizers.LossScaleOptimizer` (dynamic loss scaling).

How gan_tf applies it:
- `dtype_policy(name)` is in force while `gan_tf.models.zoo.build_model` builds a run's networks,
  so every layer takes the mixed policy (layers keep the policy they were built with; the global
  policy is restored afterwards, so metric networks built later stay float32).
- The models cast network outputs to float32 (`AdversarialModel.generate` / `discriminate`, the
  translation models likewise), so losses, logged values and the gradient penalty's norm are
  float32. The gradient penalty differentiates the critic with respect to a float32 copy of its
  input (`gan_tf.losses.gradient_penalty`), so the input gradients arrive in float32.
- The models wrap both optimizers in a `LossScaleOptimizer` when a network computes in float16
  (`with_loss_scaling`); bfloat16 has float32's exponent range and needs no loss scaling.

Dynamic loss scaling starts at 2^15 and halves the scale at every update whose gradients
overflow, skipping that update, so the first few updates of a float16 run are skipped while the
scale comes down (measured, WGAN-GP critic at 28x28 under XLA: 8 updates skipped, scale 2^7,
with 4 base filters; 3 skipped, scale 2^12, with 64), which the `loss_scale/d` and
`loss_scale/g` summaries show.

Checked on CPU (TF 2.21): every network of gan_tf (DCGAN with batch or layer norm, U-Net,
PatchGAN, ResNet, StarGAN) runs forward and backward in float16 and in bfloat16, with and
without XLA: no op lacks a 16-bit CPU kernel.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import keras

from gan_tf.configs.base import canonical_precision

# --mixed_precision value -> Keras dtype policy.
POLICIES = {
    "float32": "float32",
    "none": "float32",  # the same as float32: no mixed precision
    "float16": "mixed_float16",
    "bfloat16": "mixed_bfloat16",
}


@contextlib.contextmanager
def dtype_policy(precision: str | None) -> Iterator[str]:
    """Sets Keras's global dtype policy for `precision` (see POLICIES) for the duration of the
    block, so the layers built inside take it; restores the previous policy afterwards."""
    policy = POLICIES[canonical_precision(precision)]
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield policy
    finally:
        keras.config.set_dtype_policy(previous)


def computes_in_float16(networks: Iterable[keras.Model]) -> bool:
    """Whether any layer of `networks` computes in float16 (and so needs loss scaling)."""
    return any(
        layer.dtype_policy.compute_dtype == "float16"
        for network in networks
        for layer in nested_layers(network)
    )


def nested_layers(layer: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    """`layer` and every layer inside it (a model's layers and a layer's own sublayers, e.g.
    the batch norm inside a conditional batch norm), depth first. Keras tracks sublayers
    but exposes the recursive walk only as `_flatten_layers`."""
    yield from layer._flatten_layers(include_self=True, recursive=True)


def with_loss_scaling(
    optimizer: keras.optimizers.Optimizer, networks: Iterable[keras.Model]
) -> keras.optimizers.Optimizer:
    """`optimizer` wrapped in Keras's dynamic `LossScaleOptimizer` when one of the networks it
    trains computes in float16; otherwise (or when already wrapped) `optimizer` itself."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    if not computes_in_float16(networks):
        return optimizer
    return keras.optimizers.LossScaleOptimizer(optimizer, name=f"{optimizer.name}_loss_scaled")


def loss_scale(optimizer: keras.optimizers.Optimizer):
    """The optimizer's current loss scale (a float32 variable), or None without loss scaling."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.dynamic_scale
    return None
