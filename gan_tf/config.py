"""`RunConfig`: everything that defines a training run, saved as `run.json` in its workdir.

The experiments fill it from flags; the model zoo builds networks from it; `generate` and a
resumed run read it back, so a workdir alone is enough to rebuild its models.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

RUN_FILE = "run.json"


@dataclasses.dataclass
class RunConfig:
    """One training run. Variant-specific settings go in `extra` (e.g. WGAN's clip value)."""

    variant: str
    dataset: str
    image_size: int
    channels: int
    num_classes: int | None = None  # set for conditional variants only
    architecture: str = "dcgan"
    latent_dim: int = 100
    base_filters: int | None = None
    g_loss: str = "non_saturating"
    d_steps: int = 1
    g_steps: int = 1
    batch_size: int = 64
    train_steps: int = 10_000
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    seed: int = 0
    jit_compile: bool = True
    mixed_precision: str = "float32"  # float32, float16 or bfloat16 (gan_tf.models.precision)
    strategy: str = "default"  # default, mirrored, multi_worker, tpu (gan_tf.training.distribute)
    sample_every: int = 500
    checkpoint_every: int = 1000
    log_every: int = 100
    eval_every: int = 0  # evaluate every N steps during training; 0: never
    eval_samples: int = 10_000  # generated (and real test) images per evaluation
    eval_metric: str = "fid"  # tracked metric: "fid" (Inception) or "fcd" (digit classifier)
    inception_weights: str | None = None  # the FID Inception .npz; None: env var, then cache
    split: str | None = None
    data_dir: str | None = None
    manual_dir: str | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def save(self, workdir: str | pathlib.Path) -> None:
        path = pathlib.Path(workdir) / RUN_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")

    @classmethod
    def load(cls, workdir: str | pathlib.Path) -> RunConfig | None:
        """The config saved in `workdir`, or None when it holds no run."""
        path = pathlib.Path(workdir) / RUN_FILE
        if not path.exists():
            return None
        return cls.from_dict(json.loads(path.read_text()))
