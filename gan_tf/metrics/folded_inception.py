"""The FID Inception-v3 network for inference: batch norms folded, shared-input 1x1s merged.

The same function as ``gan_tf.metrics.inception.fid_inception_network`` (same weights, same
``pool_3`` features up to float32 rounding), rewritten for speed with transformations that are
exact in real arithmetic:

- Batch-norm folding. Every convolution of the graph is followed by an inference-mode batch norm
  without scale, ``(y - mean) / sqrt(var + eps) + beta``: per output channel an affine map, so it
  becomes part of the convolution, ``kernel * s`` and a bias ``beta - mean * s`` with
  ``s = 1 / sqrt(var + eps)`` (folded in float64, stored in float32). No normalisation pass is
  left, and TensorFlow's graph optimiser can run convolution, bias and ReLU as one fused kernel
  (``_FusedConv2D``).
- Merged 1x1 convolutions. Inside each mixed block several 1x1 convolutions read the same input;
  their kernels are concatenated along the output channels and run as one larger matrix
  product, then split.
- Average pool after the 1x1 convolution. A tower ``avg_pool 3x3 -> conv 1x1`` equals
  ``conv 1x1 -> avg_pool 3x3``: both are linear, the pool averages each channel with weights
  that do not depend on the channel (SAME padding, padded pixels not counted), and a constant
  bias averages to itself. So the tower's convolution joins the merged 1x1 product, and the
  pool runs on its few output channels (e.g. 192 of mixed_4's 768) before the ReLU. Only the
  average pools: mixed_10's tower_2 max-pools (a quirk of the original graph), and a max does
  not commute with a convolution, so that tower is kept as pool then convolution.

Only the rounding order changes (products are summed in another order, the folded weights are
rounded once), so features agree with the layer-by-layer network to float32 rounding: on 2,000
MNIST images the largest difference was 1.4e-5 (features up to 6.8) and FID changed by 4e-6
(``tests/metrics/test_folded_inception.py``; experiments/speed.md, "FID evaluation speed
(issue 22)", ``python benchmarks/fid_speed.py``).

The network is plain TensorFlow ops on constant tensors (no Keras layers), so that TensorFlow's
graph optimiser sees ``Conv2D -> BiasAdd -> Relu`` chains it can fuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import tensorflow as tf

from gan_tf.metrics.inception import BN_EPSILON, FEATURE_DIM

# One element per mixed block: the names of its 1x1 convolutions that read the block input,
# in the order of their merged output channels. A name with a ``+pool`` suffix is a tower whose
# average pool is moved after its convolution.
_BLOCK_A_1X1 = ("conv", "tower.conv", "tower_1.conv", "tower_2.conv+pool")
_BLOCK_C_1X1 = ("conv", "tower.conv", "tower_1.conv", "tower_2.conv+pool")
_BLOCK_D_1X1 = ("tower.conv", "tower_1.conv")
_BLOCK_E_1X1_AVG = ("conv", "tower_conv", "tower_1_conv", "tower_2_conv+pool")
_BLOCK_E_1X1_MAX = ("conv", "tower_conv", "tower_1_conv")


def fold_batch_norms(
    arrays: Mapping[str, np.ndarray], epsilon: float = BN_EPSILON
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{layer: (kernel, bias)}`` with each layer's inference batch norm folded in.

    ``arrays`` is the weights ``.npz`` layout (``<layer>.kernel``, ``.mean``, ``.var``,
    ``.beta``). The arithmetic is done in float64 and the results rounded once to float32.
    """
    folded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key in arrays:
        if not key.endswith(".kernel"):
            continue
        name = key.removesuffix(".kernel")
        kernel = np.asarray(arrays[key], np.float64)
        mean, var, beta = (
            np.asarray(arrays[f"{name}.{s}"], np.float64) for s in ("mean", "var", "beta")
        )
        scale = 1.0 / np.sqrt(var + epsilon)
        folded[name] = (
            (kernel * scale).astype(np.float32),
            (beta - mean * scale).astype(np.float32),
        )
    return folded


def _avg_pool_3x3_same(x: tf.Tensor) -> tf.Tensor:
    # TensorFlow's SAME average pool does not count padded pixels, as the original graph.
    return tf.nn.avg_pool2d(x, 3, 1, "SAME")


def _max_pool_3x3(x: tf.Tensor, strides: int, padding: str) -> tf.Tensor:
    return tf.nn.max_pool2d(x, 3, strides, padding)


class FoldedInceptionNetwork(tf.Module):
    """The FID Inception-v3 network with folded batch norms (see the module docstring).

    Call it on normalised float32 images (N, 299, 299, 3) (``preprocess_for_inception``); it
    returns the (N, 2048) float32 ``pool_3`` features. Works eagerly, in ``tf.function`` and
    with XLA.

    Args:
      arrays: the weights ``.npz`` arrays (``gan_tf.metrics.inception.load_weight_arrays``),
        already checked against the network (``load_fid_inception_weights``).
      merge_1x1: merge the 1x1 convolutions that share an input (and move average pools after
        them); False keeps the graph's layers and their order, folding only.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray], merge_1x1: bool = True) -> None:
        super().__init__(name="folded_fid_inception")
        self.merge_1x1 = merge_1x1
        folded = fold_batch_norms(arrays)
        self._kernels = {n: tf.constant(k) for n, (k, _) in folded.items()}
        self._biases = {n: tf.constant(b) for n, (_, b) in folded.items()}
        self._merged: dict[str, tuple[tf.Tensor, tf.Tensor, list[int]]] = {}
        if merge_1x1:
            for block, names in self._merged_1x1_groups():
                layers = [f"{block}.{n.removesuffix('+pool')}" for n in names]
                kernels = [folded[n][0] for n in layers]
                self._merged[block] = (
                    tf.constant(np.concatenate(kernels, axis=-1)),
                    tf.constant(np.concatenate([folded[n][1] for n in layers])),
                    [k.shape[-1] for k in kernels],
                )

    @staticmethod
    def _merged_1x1_groups() -> list[tuple[str, Sequence[str]]]:
        groups: list[tuple[str, Sequence[str]]] = [
            (b, _BLOCK_A_1X1) for b in ("mixed", "mixed_1", "mixed_2")
        ]
        groups += [(b, _BLOCK_C_1X1) for b in ("mixed_4", "mixed_5", "mixed_6", "mixed_7")]
        groups += [("mixed_8", _BLOCK_D_1X1), ("mixed_9", _BLOCK_E_1X1_AVG)]
        groups += [("mixed_10", _BLOCK_E_1X1_MAX)]
        return groups

    # --- Building blocks --------------------------------------------------------------------

    def _conv(self, x: tf.Tensor, name: str, strides: int = 1, padding: str = "SAME") -> tf.Tensor:
        """Folded conv + bias + ReLU of graph layer ``name``."""
        y = tf.nn.conv2d(x, self._kernels[name], strides, padding)
        return tf.nn.relu(tf.nn.bias_add(y, self._biases[name]))

    def _one_by_ones(self, x: tf.Tensor, block: str, names: Sequence[str]) -> list[tf.Tensor]:
        """The outputs (after ReLU) of a block's 1x1 towers ``names`` on the block input."""
        if not self.merge_1x1:
            return [
                self._conv(_avg_pool_3x3_same(x), f"{block}.{n.removesuffix('+pool')}")
                if n.endswith("+pool")
                else self._conv(x, f"{block}.{n}")
                for n in names
            ]
        kernel, bias, sizes = self._merged[block]
        y = tf.nn.bias_add(tf.nn.conv2d(x, kernel, 1, "SAME"), bias)
        if not names[-1].endswith("+pool"):
            return tf.split(tf.nn.relu(y), sizes, axis=-1)
        # The pool tower is last; the others get ReLU at once, its part is pooled first.
        direct, pooled = tf.split(y, [sum(sizes[:-1]), sizes[-1]], axis=-1)
        return [
            *tf.split(tf.nn.relu(direct), sizes[:-1], axis=-1),
            tf.nn.relu(_avg_pool_3x3_same(pooled)),
        ]

    def _block_a(self, x: tf.Tensor, name: str) -> tf.Tensor:
        branch_1x1, tower, tower_1, tower_2 = self._one_by_ones(x, name, _BLOCK_A_1X1)
        tower = self._conv(tower, f"{name}.tower.conv_1")
        tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_1")
        tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_2")
        return tf.concat([branch_1x1, tower, tower_1, tower_2], axis=-1)

    def _block_b(self, x: tf.Tensor, name: str) -> tf.Tensor:
        branch_3x3 = self._conv(x, f"{name}.conv", 2, "VALID")
        tower = self._conv(x, f"{name}.tower.conv")
        tower = self._conv(tower, f"{name}.tower.conv_1")
        tower = self._conv(tower, f"{name}.tower.conv_2", 2, "VALID")
        pool = _max_pool_3x3(x, 2, "VALID")
        return tf.concat([branch_3x3, tower, pool], axis=-1)

    def _block_c(self, x: tf.Tensor, name: str) -> tf.Tensor:
        branch_1x1, tower, tower_1, tower_2 = self._one_by_ones(x, name, _BLOCK_C_1X1)
        tower = self._conv(tower, f"{name}.tower.conv_1")
        tower = self._conv(tower, f"{name}.tower.conv_2")
        for i in range(1, 5):
            tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_{i}")
        return tf.concat([branch_1x1, tower, tower_1, tower_2], axis=-1)

    def _block_d(self, x: tf.Tensor, name: str) -> tf.Tensor:
        tower, tower_1 = self._one_by_ones(x, name, _BLOCK_D_1X1)
        tower = self._conv(tower, f"{name}.tower.conv_1", 2, "VALID")
        tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_1")
        tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_2")
        tower_1 = self._conv(tower_1, f"{name}.tower_1.conv_3", 2, "VALID")
        pool = _max_pool_3x3(x, 2, "VALID")
        return tf.concat([tower, tower_1, pool], axis=-1)

    def _block_e(self, x: tf.Tensor, name: str, max_pool: bool) -> tf.Tensor:
        if max_pool:
            branch_1x1, a, b = self._one_by_ones(x, name, _BLOCK_E_1X1_MAX)
            pool = self._conv(_max_pool_3x3(x, 1, "SAME"), f"{name}.tower_2_conv")
        else:
            branch_1x1, a, b, pool = self._one_by_ones(x, name, _BLOCK_E_1X1_AVG)
        b = self._conv(b, f"{name}.tower_1_conv_1")
        return tf.concat(
            [
                branch_1x1,
                self._conv(a, f"{name}.tower_mixed_conv"),
                self._conv(a, f"{name}.tower_mixed_conv_1"),
                self._conv(b, f"{name}.tower_1_mixed_conv"),
                self._conv(b, f"{name}.tower_1_mixed_conv_1"),
                pool,
            ],
            axis=-1,
        )

    # --- The network ------------------------------------------------------------------------

    def __call__(self, images: tf.Tensor) -> tf.Tensor:
        """(N, 299, 299, 3) normalised float32 images -> (N, 2048) float32 pool features."""
        x = tf.cast(images, self._kernels["conv"].dtype)
        x = self._conv(x, "conv", 2, "VALID")
        x = self._conv(x, "conv_1", 1, "VALID")
        x = self._conv(x, "conv_2", 1, "SAME")
        x = _max_pool_3x3(x, 2, "VALID")
        x = self._conv(x, "conv_3", 1, "VALID")
        x = self._conv(x, "conv_4", 1, "VALID")
        x = _max_pool_3x3(x, 2, "VALID")
        for name in ("mixed", "mixed_1", "mixed_2"):
            x = self._block_a(x, name)
        x = self._block_b(x, "mixed_3")
        for name in ("mixed_4", "mixed_5", "mixed_6", "mixed_7"):
            x = self._block_c(x, name)
        x = self._block_d(x, "mixed_8")
        x = self._block_e(x, "mixed_9", max_pool=False)
        x = self._block_e(x, "mixed_10", max_pool=True)
        features = tf.reduce_mean(x, axis=[1, 2])
        features.shape.assert_is_compatible_with([None, FEATURE_DIM])
        return features
