"""A model saved under each backend loads under every other with the same outputs.

Runs once (marker `cross_backend`), not once per backend: it starts one process
per backend to save, then one per backend to load everything that was saved.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BACKENDS = ("tensorflow", "jax", "torch")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.cross_backend


def _run_each_backend(command, directory):
    processes = {}
    for backend in BACKENDS:
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        processes[backend] = subprocess.Popen(
            [sys.executable, "-m", "tests.portability", command, str(directory)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    for backend, process in processes.items():
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"{command} under {backend} failed:\n{output[-4000:]}"


def test_saved_models_load_on_every_backend_with_same_predictions(tmp_path):
    _run_each_backend("save", tmp_path)
    saved = sorted(p.stem for p in tmp_path.glob("*.keras"))
    assert {name.split("-")[0] for name in saved} == set(BACKENDS)
    _run_each_backend("load", tmp_path)
    for backend in BACKENDS:
        differences = json.loads((tmp_path / f"loaded-{backend}.json").read_text())
        assert sorted(differences) == [name for name in saved if not name.startswith(backend)]
        worst = {name: d for name, d in differences.items() if not d <= 1e-5}
        assert not worst, f"loaded under {backend}, max abs difference > 1e-5: {worst}"
