"""Every notebook in notebooks/ runs top to bottom in its fast setting (GAN_TF_FAST=1).

A notebook states its claim and checks it in a cell, so a notebook whose result stops bearing
its claim out fails here too.
"""

import os
import pathlib

import pytest

from tests.conftest import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


# The suite runs the quickest (12 s on a core); `make test-long` runs them all.
IN_THE_SUITE = {"01_gan_generator_losses"}


@pytest.mark.parametrize(
    "path",
    [p if p.stem in IN_THE_SUITE else pytest.param(p, marks=pytest.mark.long) for p in NOTEBOOKS],
    ids=lambda p: p.stem,
)
def test_notebook_runs(path: pathlib.Path, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    monkeypatch.setenv("GAN_TF_FAST", "1")
    monkeypatch.setenv("GAN_TF_OFFLINE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO_ROOT)}},
    )
    client.execute()  # raises CellExecutionError on any failing cell
