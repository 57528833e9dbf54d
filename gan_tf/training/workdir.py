"""A run's workdir: one run at a time, resumed only with the settings it was trained with.

The lock is an advisory `fcntl.flock` on `WORKDIR/.lock` (which holds the owner's pid): the
kernel releases it when the owner's process ends, however it ends, so a SIGKILLed run can be
resumed at once, with no stale lock to clear by hand. Under multi-worker training only the
chief writes into the workdir, so only the chief takes the lock.

`run.json` records the settings of the run; settings that may change when a run is resumed
(`RESUMABLE`: its length, how often it logs, samples, checkpoints and evaluates, and how it
runs: strategy, precision, XLA, where the data is) are accepted and each change is appended to
its `history`; any other change is refused, since the checkpoint was trained without it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pathlib
from collections.abc import Iterator
from typing import Any

from gan_tf.configs.base import RUN_FILE, RunConfig, flag_fields
from gan_tf.errors import UsageError

LOCK_FILE = ".lock"

# Settings a resumed run may change (what it trains is the same; how and for how long not).
RESUMABLE = frozenset(
    {
        "train_steps",
        "total_images",  # PGGAN's length; the phases before the last stay as they were
        "log_every",
        "sample_every",
        "checkpoint_every",
        "keep_checkpoints",
        "eval_every",
        "eval_samples",
        "eval_metric",
        "inception_weights",
        "strategy",
        "mixed_precision",
        "jit_compile",
        "data_dir",
        "manual_dir",
    }
)

# Locks this process holds: path -> (file descriptor, depth), so that `api.run` can hold the
# lock while it builds the model and `runner.train` take it again.
_held: dict[pathlib.Path, list[int]] = {}


def check_writable(workdir: pathlib.Path) -> None:
    """UsageError (one line) for a workdir that is a file or cannot be written."""
    if workdir.exists() and not workdir.is_dir():
        raise UsageError(f"--workdir {workdir} is a file, not a directory: choose another")
    existing = next((p for p in (workdir, *workdir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UsageError(f"--workdir {workdir}: {existing} is a file, not a directory")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--workdir {workdir} is not writable ({existing} is not writable)")


@contextlib.contextmanager
def locked(workdir: str | pathlib.Path, chief: bool = True) -> Iterator[None]:
    """Holds the workdir's lock for the duration; a second process gets a UsageError naming
    the holder's pid. Creates the workdir, and removes it again if it is left empty."""
    workdir = pathlib.Path(workdir).absolute()
    if not chief:
        yield
        return
    if workdir in _held:
        _held[workdir][1] += 1
        try:
            yield
        finally:
            _held[workdir][1] -= 1
        return
    check_writable(workdir)
    created = not workdir.exists()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--workdir {workdir} cannot be created ({error.strerror})") from None
    fd = _acquire(workdir / LOCK_FILE)
    _held[workdir] = [fd, 1]
    try:
        yield
    finally:
        del _held[workdir]
        with contextlib.suppress(OSError):
            os.unlink(workdir / LOCK_FILE)
        os.close(fd)  # releases the lock
        if created:
            with contextlib.suppress(OSError):
                workdir.rmdir()  # only if empty: a run that failed before writing anything


def _acquire(path: pathlib.Path) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise UsageError(
                f"--workdir {path.parent} is not writable ({error.strerror})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise UsageError(
                f"--workdir {path.parent} is in use by another run (pid {holder}): wait for it "
                "to finish, stop it, or choose another --workdir"
            ) from None
        # The previous holder may have removed the file between our open and flock: then the
        # lock is on a deleted file; start again on the one now at `path`.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def saved_run(workdir: pathlib.Path) -> tuple[RunConfig, dict[str, Any]] | None:
    """(config, raw run.json) of the run in `workdir`, None when it holds none; UsageError
    for a run.json that cannot be read."""
    from gan_tf import configs

    path = workdir / RUN_FILE
    if not path.exists():
        return None
    try:
        values = json.loads(path.read_text())
        if not isinstance(values, dict):
            raise ValueError("not a JSON object")
        return configs.from_run_json(values), values
    except (ValueError, TypeError, UsageError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"{path} is not a valid run.json ({first[:150]}): repair it, or choose another "
            "--workdir"
        ) from None


def _comparable(value: Any) -> Any:
    return json.loads(json.dumps(value))  # tuples as lists, as run.json holds them


def resume_changes(workdir: pathlib.Path, config: RunConfig) -> dict[str, list[Any]]:
    """The settings `config` changes in the run saved in `workdir` ({name: [saved, new]});
    UsageError (one line listing them) when it changes one the checkpoint cannot honour, or
    is another variant. Settings the run.json does not record (added to gan_tf after it was
    written) are not compared."""
    saved = saved_run(workdir)
    if saved is None:
        return {}
    saved_config, raw = saved
    if saved_config.variant != config.variant:
        raise UsageError(
            f"workdir {workdir} holds a run of variant {saved_config.variant!r}, not "
            f"{config.variant!r}: choose another --workdir"
        )
    names = dict.fromkeys(
        [f.name for f in flag_fields(type(config))] + list(type(config).ARCHITECTURE_FIELDS)
    )
    changes = {}
    for name in names:
        if name not in raw:
            continue
        old, new = _comparable(getattr(saved_config, name)), _comparable(getattr(config, name))
        if old != new:
            changes[name] = [old, new]
    refused = {k: v for k, v in changes.items() if k not in RESUMABLE}
    if refused:
        details = ", ".join(f"{k}={old!r} (given {new!r})" for k, (old, new) in refused.items())
        raise UsageError(
            f"workdir {workdir} holds a run trained with {details}: resume it with those "
            "settings or choose another --workdir"
        )
    return changes


def record_run(
    output_dir: pathlib.Path, config: RunConfig, start_step: int, changes: dict[str, list]
) -> None:
    """Writes `config` as the run's run.json, keeping the history of the saved one and adding
    `changes` to it as made at `start_step`."""
    path = output_dir / RUN_FILE
    history = []
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            history = list(json.loads(path.read_text()).get("history", []))
    if changes:
        history.append({"step": start_step, "changed": changes})
    values = {**config.to_dict(), "history": history}
    output_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(RUN_FILE + ".partial")  # a cut-short write leaves run.json whole
    partial.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
    partial.replace(path)
