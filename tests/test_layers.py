"""The package's layers: each part imports only the parts below it.

    0  errors, images            shared basics
    1  data, networks, augment   TFDS pipelines; plain functions returning keras.Models;
                                 differentiable augmentations of the images D sees
    2  configs                   each variant's paper settings, resolved from its data
    3  losses                    loss functions and penalties
    4  models                    the adversarial base, the noise-to-image core, its hooks and
                                 regularisers, each variant's keras.Model and builder
    5  training                  runner, callbacks, checkpoints, strategies
    6  metrics                   FID, KID, ... and evaluation during training
    7  analysis                  reading runs back for plots
    8  api                       the Python API: build, train, sample
    9  experiments, evaluate, generate    the command lines

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "gan_tf"
LAYERS = {
    "errors": 0,
    "images": 0,
    "data": 1,
    "networks": 1,
    "augment": 1,
    "configs": 2,
    "losses": 3,
    "models": 4,
    "training": 5,
    "metrics": 6,
    "analysis": 7,
    "api": 8,
    "experiments": 9,
    "evaluate": 9,
    "generate": 9,
}


def part_of(module: str) -> str | None:
    """The layer name of a `gan_tf.<part>...` module, None outside the package."""
    names = module.split(".")
    if names[0] != "gan_tf" or len(names) < 2:
        return None
    return names[1]


def imported_parts(path: pathlib.Path) -> set[str]:
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from gan_tf import losses` names the part in the imported names.
            if node.module == "gan_tf":
                modules = [f"gan_tf.{alias.name}" for alias in node.names]
            else:
                modules = [node.module]
        else:
            continue
        parts.update(p for p in map(part_of, modules) if p is not None)
    return parts


def modules() -> list[pathlib.Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    )


def own_part(path: pathlib.Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_every_part_of_the_package_has_a_layer():
    parts = {own_part(p) for p in modules()}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_lower_layers(path):
    part = own_part(path)
    upward = sorted(
        imported for imported in imported_parts(path) - {part} if LAYERS[imported] >= LAYERS[part]
    )
    assert not upward, f"{part} (layer {LAYERS[part]}) imports {upward} from its layer or above"


def test_the_check_sees_a_lazy_upward_import(tmp_path):
    # The check itself must be able to fail: a function-level import of a higher layer.
    source = tmp_path / "example.py"
    source.write_text("def f():\n    from gan_tf.training.runner import train\n    return train\n")
    assert imported_parts(source) == {"training"}
