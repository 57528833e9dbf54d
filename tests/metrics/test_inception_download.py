"""Conversion of the original 2015-12-05 TensorFlow graph into the weights .npz (offline).

The real graph cannot be downloaded here, so these tests build GraphDefs with the original
graph's naming: ``<scope>/conv2d_params`` kernels feeding ``<scope>/Conv2D``, followed by a
``<scope>/batchnorm`` BatchNormWithGlobalNormalization op with ``batchnorm/moving_mean``,
``moving_variance``, ``beta`` and ``gamma`` constants; mixed_9/mixed_10 nest their expanded
towers as ``tower/mixed/conv`` and ``tower/mixed/conv_1``.
"""

import io
import re
import tarfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.metrics import inception

# Graph scope -> .npz prefix in the E blocks (names as in classify_image_graph_def.pb).
E_BLOCK_SCOPES = {
    "conv": "conv",
    "tower/conv": "tower_conv",
    "tower/mixed/conv": "tower_mixed_conv",
    "tower/mixed/conv_1": "tower_mixed_conv_1",
    "tower_1/conv": "tower_1_conv",
    "tower_1/conv_1": "tower_1_conv_1",
    "tower_1/mixed/conv": "tower_1_mixed_conv",
    "tower_1/mixed/conv_1": "tower_1_mixed_conv_1",
    "tower_2/conv": "tower_2_conv",
}


def _npz_prefix_to_scope(prefix: str) -> str:
    block, _, rest = prefix.partition(".")
    if block in ("mixed_9", "mixed_10"):
        (scope,) = [s for s, p in E_BLOCK_SCOPES.items() if p == rest]
        return f"{block}/{scope}"
    return prefix.replace(".", "/")


def _const(graph_def, name: str, value: np.ndarray) -> None:
    node = graph_def.node.add(name=name, op="Const")
    node.attr["dtype"].type = tf.float32.as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.asarray(value, np.float32)))


def _add_conv_bn(
    graph_def,
    scope: str,
    kernel: np.ndarray,
    beta: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    strides: int = 1,
    padding: str = "SAME",
    epsilon: float = 0.001,
    gamma: np.ndarray | None = None,
    scale_after_normalization: bool = False,
) -> None:
    _const(graph_def, f"{scope}/conv2d_params", kernel)
    conv = graph_def.node.add(name=f"{scope}/Conv2D", op="Conv2D")
    conv.input.extend(["previous:0", f"{scope}/conv2d_params"])
    conv.attr["strides"].list.i.extend([1, strides, strides, 1])
    conv.attr["padding"].s = padding.encode()
    for suffix, value in (("moving_mean", mean), ("moving_variance", var), ("beta", beta)):
        _const(graph_def, f"{scope}/batchnorm/{suffix}", value)
    _const(graph_def, f"{scope}/batchnorm/gamma", np.ones_like(beta) if gamma is None else gamma)
    bn = graph_def.node.add(name=f"{scope}/batchnorm", op="BatchNormWithGlobalNormalization")
    bn.input.extend(
        [f"{scope}/Conv2D"]
        + [f"{scope}/batchnorm/{s}" for s in ("moving_mean", "moving_variance", "beta", "gamma")]
    )
    bn.attr["variance_epsilon"].f = epsilon
    bn.attr["scale_after_normalization"].b = scale_after_normalization
    graph_def.node.add(name=f"{scope}/Relu", op="Relu").input.append(f"{scope}/batchnorm")


def _tiny_layer(rng, kh=1, kw=1, cin=2, cout=3) -> dict[str, np.ndarray]:
    return {
        "kernel": rng.standard_normal((kh, kw, cin, cout)).astype(np.float32),
        "beta": rng.standard_normal(cout).astype(np.float32),
        "mean": rng.standard_normal(cout).astype(np.float32),
        "var": rng.uniform(0.5, 2, cout).astype(np.float32),
    }


@pytest.mark.parametrize(
    ("scope", "prefix"),
    [
        ("conv", "conv"),
        ("conv_4", "conv_4"),
        ("mixed/tower/conv_1", "mixed.tower.conv_1"),
        ("mixed_8/tower_1/conv_3", "mixed_8.tower_1.conv_3"),
        ("mixed_9/conv", "mixed_9.conv"),
        ("mixed_9/tower/mixed/conv", "mixed_9.tower_mixed_conv"),
        ("mixed_10/tower_1/mixed/conv_1", "mixed_10.tower_1_mixed_conv_1"),
        ("mixed_10/tower_2/conv", "mixed_10.tower_2_conv"),
    ],
)
def test_graph_scope_names(scope, prefix):
    assert inception.graph_scope_to_weight_name(scope) == prefix


def test_tiny_graph_conversion():
    rng = np.random.default_rng(0)
    graph_def = tf.compat.v1.GraphDef()
    layers = {
        "conv": _tiny_layer(rng, 3, 3, 3, 4),
        "mixed/tower/conv_1": _tiny_layer(rng, 5, 5),
        "mixed_9/tower/mixed/conv_1": _tiny_layer(rng, 3, 1),
        "mixed_10/tower_2/conv": _tiny_layer(rng),
    }
    for scope, arrays in layers.items():
        _add_conv_bn(graph_def, scope, **arrays)
    graph_def.node.add(name="mixed_10/tower_2/pool", op="MaxPool")
    _const(graph_def, "softmax/weights", np.zeros((3, 5)))  # Must not be extracted.

    converted = inception.graph_def_to_weight_arrays(graph_def)

    expected = {
        f"{inception.graph_scope_to_weight_name(scope)}.{suffix}": value
        for scope, arrays in layers.items()
        for suffix, value in arrays.items()
    }
    assert sorted(converted) == sorted(expected)
    assert "mixed_9.tower_mixed_conv_1.kernel" in converted
    for name, value in expected.items():
        np.testing.assert_array_equal(converted[name], value)
        assert converted[name].dtype == np.float32


def _single_layer_graph(**overrides) -> tf.compat.v1.GraphDef:
    graph_def = tf.compat.v1.GraphDef()
    _add_conv_bn(graph_def, "conv", **{**_tiny_layer(np.random.default_rng(1)), **overrides})
    return graph_def


def test_conversion_rejects_what_the_network_cannot_represent():
    with pytest.raises(ValueError, match="variance_epsilon"):
        inception.graph_def_to_weight_arrays(_single_layer_graph(epsilon=1e-5))
    gamma = np.full(3, 2.0, np.float32)
    with pytest.raises(ValueError, match="gamma"):
        inception.graph_def_to_weight_arrays(
            _single_layer_graph(gamma=gamma, scale_after_normalization=True)
        )
    # An unused gamma (scale_after_normalization=False), as in the original graph, is fine.
    inception.graph_def_to_weight_arrays(_single_layer_graph(gamma=gamma))

    graph_def = _single_layer_graph()
    graph_def.node.add(name="mixed_10/tower_2/pool", op="AvgPool")
    with pytest.raises(ValueError, match="MaxPool"):
        inception.graph_def_to_weight_arrays(graph_def)
    with pytest.raises(ValueError, match="no BatchNormWithGlobalNormalization"):
        inception.graph_def_to_weight_arrays(tf.compat.v1.GraphDef())


def _tarball(path, graph_def) -> None:
    data = graph_def.SerializeToString()
    with tarfile.open(path, "w") as archive:  # Uncompressed: reading uses "r:*" either way.
        info = tarfile.TarInfo(inception.GRAPH_MEMBER)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


def test_download_command_converts_a_full_graph(tmp_path, monkeypatch):
    """End to end with a full-size graph of random weights: every one of the 94 convolutions
    goes through the graph naming, the stride/padding check and the exactly-once loading."""
    model = inception.build_fid_inception_architecture()
    shapes = inception.expected_weight_shapes(model)
    rng = np.random.default_rng(2)
    arrays = {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}
    graph_def = tf.compat.v1.GraphDef()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _add_conv_bn(
                graph_def,
                _npz_prefix_to_scope(layer.name),
                **{s: arrays[f"{layer.name}.{s}"] for s in ("kernel", "beta", "mean", "var")},
                strides=layer.strides[0],
                padding=layer.padding.upper(),
            )
    graph_def.node.add(name="mixed_9/tower_2/pool", op="AvgPool")
    graph_def.node.add(name="mixed_10/tower_2/pool", op="MaxPool")
    tarball, output = tmp_path / "inception-2015-12-05.tgz", tmp_path / "out" / "w.npz"
    _tarball(tarball, graph_def)

    def no_network(*args, **kwargs):
        raise AssertionError("must not download when --tarball is given")

    monkeypatch.setattr(inception.urllib.request, "urlretrieve", no_network)
    assert inception.main(["--download", "--tarball", str(tarball), "--output", str(output)]) == 0

    written = inception.load_weight_arrays(output)
    assert sorted(written) == sorted(arrays)
    for name, value in arrays.items():
        np.testing.assert_array_equal(written[name], value)


def test_download_command_errors_are_one_line(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(inception.urllib.request, "urlretrieve", offline)
    assert inception.main(["--download", "--output", str(tmp_path / "w.npz")]) == 1
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("error: cannot download") and "--tarball" in message

    tarball = tmp_path / "tiny.tgz"
    # One conv with the stem's stride and padding: far too small to be the FID network.
    _tarball(tarball, _single_layer_graph(strides=2, padding="VALID"))
    output = tmp_path / "w.npz"
    assert inception.main(["--download", "--tarball", str(tarball), "--output", str(output)]) == 1
    assert "missing" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.npz"))  # Nothing half-written.

    empty = tmp_path / "empty.tgz"
    with tarfile.open(empty, "w:gz"):
        pass
    with pytest.raises(UsageError, match=re.escape(inception.GRAPH_MEMBER)):
        inception.read_graph_def_from_tarball(empty)
    truncated = tmp_path / "truncated.tgz"
    truncated.write_bytes(tarball.read_bytes()[:100])
    with pytest.raises(UsageError, match="cannot read"):
        inception.read_graph_def_from_tarball(truncated)
