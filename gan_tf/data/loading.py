"""Getting a TFDS dataset onto disk: prepared already, from a manual directory, or downloaded.

TFDS retries an unreachable host for minutes before it gives up. Here an offline machine with
nothing prepared fails within seconds, with one message that names the dataset, the directories
searched and what to do; so does a `--manual_dir` that lacks the archives TFDS would read there
(their names come from the builder's checksums file), and with it given nothing is downloaded.

A `folder:` dataset's images are decoded once when the dataset is loaded, so a corrupt file is
named before a run starts instead of failing its first step; the verdicts are kept beside the
TFDS data (`gan_tf_folder_checks/`), keyed by each file's path, size and modification time, so
a large folder is decoded once rather than at every start (later starts only stat the files).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pathlib
import socket

import tensorflow as tf
import tensorflow_datasets as tfds

from gan_tf.data import mnist_demo  # noqa: F401  (registers the packaged `mnist_demo` builder)
from gan_tf.data.registry import DatasetSpec
from gan_tf.errors import UsageError

# Most TFDS datasets are served from Google Cloud Storage; reaching it is our test of "online".
PROBE_HOST = ("storage.googleapis.com", 443)
PROBE_TIMEOUT_SECONDS = 3.0


def network_available() -> bool:
    """True when the dataset host answers within a few seconds (or a proxy is configured).

    GAN_TF_OFFLINE=1 in the environment says "never try the network".
    """
    if os.environ.get("GAN_TF_OFFLINE", "") not in ("", "0"):
        return False
    if os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
        return True
    try:
        with socket.create_connection(PROBE_HOST, timeout=PROBE_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def resolve_manual_dir(manual_dir: str | None, spec: DatasetSpec) -> str | None:
    """`manual_dir` itself, or its `<dataset>/` sub-folder when it has one.

    So both `--manual_dir=../shared/data/mnist` and `--manual_dir=../shared/data` work.
    """
    if not manual_dir:
        return None
    path = pathlib.Path(manual_dir).expanduser()
    if not path.is_dir():
        raise UsageError(
            f"--manual_dir={manual_dir} is not a directory: point it at the folder holding "
            f"the original {spec.name} archives"
        )
    sub = path / spec.tfds_name.split("/")[0]
    return str(sub if sub.is_dir() else path)


def default_data_dir() -> str:
    return os.environ.get("TFDS_DATA_DIR") or str(
        pathlib.Path("~/tensorflow_datasets").expanduser()
    )


def load_builder(
    spec: DatasetSpec, data_dir: str | None = None, manual_dir: str | None = None
) -> tfds.core.DatasetBuilder:
    """A TFDS builder for `spec` whose data is ready to read.

    Order: data already prepared in `data_dir`; else prepared from `manual_dir` (no network);
    else downloaded when the network is reachable; else a UsageError that says what to do.
    """
    if spec.is_folder:
        return _folder_builder(spec, data_dir)
    try:
        builder = tfds.builder(spec.tfds_name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as e:
        raise UsageError(f"TFDS has no dataset {spec.tfds_name!r}: {e}") from None
    if builder.is_prepared():
        return builder
    manual = resolve_manual_dir(manual_dir, spec)
    if manual:
        _check_manual_dir(builder, spec, manual)
    if manual or spec.packaged or network_available():
        with _preparation_lock(spec, data_dir):
            # Another process may have prepared it while this one waited for the lock.
            builder = tfds.builder(spec.tfds_name, data_dir=data_dir)
            if not builder.is_prepared():
                _prepare(builder, spec, data_dir, manual)
        return builder
    if _readable(builder, spec):  # e.g. under tfds.testing.mock_data, which fakes the data
        return builder
    searched = data_dir or default_data_dir()
    raise UsageError(
        f"dataset {spec.name!r} is not prepared in {searched} and the network is unreachable: "
        f"pass --manual_dir=<folder with the original {spec.name} archives> (searched: "
        f"{manual_dir or 'no --manual_dir given'}), or --data_dir=<folder where TFDS prepared it>, "
        "or run once with internet access"
    )


@contextlib.contextmanager
def _preparation_lock(spec: DatasetSpec, data_dir: str | None):
    """Holds an exclusive lock on `<data_dir>/<dataset>.prepare.lock` while a dataset is prepared.

    Two runs started together (e.g. two experiments in parallel on a fresh machine) would
    otherwise both write TFDS's one `incomplete.*` folder, and one fails halfway.
    """
    root = pathlib.Path(data_dir or default_data_dir()).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / f"{spec.tfds_name.replace('/', '_')}.prepare.lock"
    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _prepare(
    builder: tfds.core.DatasetBuilder, spec: DatasetSpec, data_dir: str | None, manual: str | None
) -> None:
    """Prepares `builder`'s data from `manual` archives, or by downloading."""
    config = None
    if manual:
        # TFDS names the extraction of a manual archive after its file name alone, so
        # MNIST's and Fashion-MNIST's identically named archives would share one extracted
        # file and the second dataset would silently get the first one's images: each
        # dataset extracts into its own folder.
        extract_dir = (
            pathlib.Path(data_dir or default_data_dir()).expanduser()
            / "downloads"
            / "extracted"
            / spec.tfds_name.replace("/", "_")
        )
        # Everything comes from `manual`: not even TFDS's copy of prepared data on GCS is tried.
        config = tfds.download.DownloadConfig(
            manual_dir=manual, extract_dir=str(extract_dir), try_download_gcs=False
        )
    builder.download_and_prepare(download_config=config)


def _check_manual_dir(builder: tfds.core.DatasetBuilder, spec: DatasetSpec, manual: str) -> None:
    """UsageError naming the archives TFDS would take from `manual` that are not there (TFDS
    would download those, retrying for minutes when offline). Datasets whose files TFDS does
    not list (manual-download datasets read `manual` their own way) are not checked."""
    wanted = sorted({info.filename for info in (builder.url_infos or {}).values() if info.filename})
    missing = [name for name in wanted if not (pathlib.Path(manual) / name).is_file()]
    if missing:
        which = "holds none" if len(missing) == len(wanted) else "lacks " + ", ".join(missing)
        raise UsageError(
            f"--manual_dir: {manual} {which} of the files TFDS prepares {spec.name} from "
            f"({', '.join(wanted)}): put them there, or drop --manual_dir to download them"
        )


def _readable(builder: tfds.core.DatasetBuilder, spec: DatasetSpec) -> bool:
    try:
        builder.as_dataset(split=spec.train_split)
    except Exception:
        return False
    return True


def _folder_builder(spec: DatasetSpec, data_dir: str | None = None) -> tfds.core.DatasetBuilder:
    root = pathlib.Path(spec.tfds_name).expanduser()
    if not (root / spec.train_split).is_dir():
        raise UsageError(
            f"image folder {root} has no '{spec.train_split}/' sub-folder: lay images out as "
            f"{root}/{spec.train_split}/<class>/<image>.png (TFDS ImageFolder)"
        )
    check_folder_images(root, pathlib.Path(data_dir or default_data_dir()).expanduser())
    return tfds.ImageFolder(str(root))


# The files TFDS's ImageFolder reads (`<root>/<split>/<class>/<file>`).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def check_folder_images(root: pathlib.Path, data_dir: pathlib.Path) -> int:
    """Decodes each image ImageFolder would read below `root` unless it was found readable
    before with the same size and modification time (the verdicts are kept in
    `data_dir/gan_tf_folder_checks/`); returns the number of images. Raises UsageError naming
    the first image that does not decode."""
    from PIL import Image  # Pillow: a dependency of matplotlib and TensorBoard

    record = (
        data_dir
        / "gan_tf_folder_checks"
        / (hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16] + ".json")
    )
    try:
        known = json.loads(record.read_text())
    except (OSError, ValueError):
        known = {}
    readable = {}
    for path in sorted(root.glob("*/*/*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        stat = path.stat()
        key, stamp = str(path.relative_to(root)), [stat.st_size, stat.st_mtime_ns]
        if known.get(key) != stamp:
            try:
                with Image.open(path) as image:
                    image.load()  # a full decode: verify() alone misses truncated JPEG data
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
                raise UsageError(
                    f"image {path} cannot be decoded ({error}): replace or remove it"
                ) from None
        readable[key] = stamp
    if readable != known:
        with contextlib.suppress(OSError):  # a read-only data dir: check again next time
            record.parent.mkdir(parents=True, exist_ok=True)
            partial = record.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(readable))
            partial.replace(record)
    return len(readable)


def as_dataset(
    builder: tfds.core.DatasetBuilder,
    split: str,
    shuffle_files: bool,
    seed: int = 0,
    decoders: dict | None = None,
    first: int = 0,
) -> tf.data.Dataset:
    """The split's examples as dicts, only its `first` ones when positive (the same ones
    whatever the seed); raises UsageError for an unknown split or more examples than it has.

    The file order is shuffled with `seed` (TFDS would draw a new order in every process), so
    a run's stream of examples is a function of its seed and can be resumed exactly."""
    splits = getattr(builder.info, "splits", None)
    if splits and split not in splits:
        raise UsageError(
            f"dataset {builder.name!r} has no split {split!r}: it has {', '.join(splits)}"
        )
    if first and splits and first > splits[split].num_examples:
        raise UsageError(
            f"--train_images={first} is more than the {splits[split].num_examples} images of "
            f"{builder.name!r} {split!r}"
        )
    if isinstance(builder, tfds.folder_dataset.ImageFolder):
        # ImageFolder shuffles its files without a seed; its fixed order is already a
        # pseudo-random one (TFDS shuffles the sorted paths with the split's name as seed).
        ds = builder.as_dataset(split=split, shuffle_files=False, decoders=decoders)
        return ds.take(first) if first else ds
    read_config = tfds.ReadConfig(shuffle_seed=seed) if shuffle_files else None
    return builder.as_dataset(
        split=f"{split}[:{first}]" if first else split,
        shuffle_files=shuffle_files,
        read_config=read_config,
        decoders=decoders,
    )
