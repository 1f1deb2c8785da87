"""Real SIGINT and SIGTERM to real training processes, their output piped (as
under a supervisor, a CI job or `subprocess`): every one stops the run within
seconds with exit 130 (143 for SIGTERM) and the `--resume` hint, and the
resumed run finishes.

The model is big enough that on jax most of a step is spent waiting for its
result inside Keras's `pythonify_logs`, whose bare `except` swallowed the
interrupt before `recipes._interrupt` (most trials trained on to the end).
The trials run side by side, so the file costs about two process start-ups.
"""

import os
import signal
import subprocess
import time

import numpy as np
import pytest

from recipes import classify
from tests.recipe_helpers import ROOT, command, environment, run_in_process, stderr_lines

TRIALS = (signal.SIGINT, signal.SIGINT, signal.SIGTERM)
ENDLESS = [
    "--model", "lstm", "--units", "64", "--epochs", "100000", "--max-steps", "10000000",
    "--min-steps", "10000000", "--patience-steps", "10000000", "--batch-size", "64",
    "--no-classic-baselines", "--val-split", "0.25",
]  # fmt: skip
HINT = "interrupted: resume with --resume and the same flags"


@pytest.fixture(scope="module")
def long_sequences(tmp_path_factory):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 128, 4)).astype("float32")
    y = np.where(x[:, :, 0].mean(axis=1) > 0, "up", "down")
    path = tmp_path_factory.mktemp("signals") / "train.npz"
    np.savez(path, x=x, y=y)
    return path


def _start(train, out, *extra):
    return subprocess.Popen(
        command("recipes.classify", "--train", train, *ENDLESS, "--out", out, *extra),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_epoch(process, epoch, timeout=240):
    """Reads the piped stdout until the line that starts `epoch` (1-based)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"the run ended before epoch {epoch}: {process.stderr.read()[-2000:]}")
        if line.startswith(f"Epoch {epoch}/"):
            return
    pytest.fail(f"no epoch {epoch} in {timeout} s")


def test_real_signals_stop_training_and_the_run_resumes(long_sequences, tmp_path, capsys):
    runs = [(number, tmp_path / f"run{k}") for k, number in enumerate(TRIALS)]
    processes = [_start(long_sequences, out) for _, out in runs]
    try:
        for process, (number, _) in zip(processes, runs, strict=True):
            _wait_for_epoch(process, 2)
            sent = time.monotonic()
            os.kill(process.pid, number)
            _, stderr = process.communicate(timeout=30)
            took = time.monotonic() - sent
            name = signal.Signals(number).name
            assert process.returncode == 128 + number, f"{name}: exit {process.returncode}"
            assert stderr_lines(stderr)[-1] == HINT, stderr[-2000:]
            assert took < 20, f"{name}: {took:.1f} s to stop"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    for _, out in runs:
        assert (out / ".train" / "flags.json").is_file() and not (out / "metrics.json").exists()
    out = runs[0][1]  # resumed in this process: the signals were the subprocesses' part
    argv = ["--train", long_sequences, *ENDLESS, "--out", out, "--resume", "--epochs", "1"]
    status, _, stderr = run_in_process(classify.main, argv, capsys)
    assert status == 0, stderr[-2000:]
    assert (out / "metrics.json").is_file() and not (out / ".train").exists()
