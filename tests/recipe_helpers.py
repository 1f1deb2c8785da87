"""Helpers for running recipes in tests: in-process, or as a real command."""

import os
import subprocess
import sys
from pathlib import Path

import keras

ROOT = Path(__file__).resolve().parent.parent


def run_in_process(main, argv, capsys):
    """Runs a recipe's main as the CLI does; returns (exit status, stdout, stderr)."""
    from recipes import _cli

    try:
        _cli.run(lambda: main([str(arg) for arg in argv]))
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def command(module, *args):
    return [sys.executable, "-m", module, *map(str, args)]


def environment():
    return dict(os.environ, KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")


def run_command(module, *args, timeout=600):
    return subprocess.run(
        command(module, *args),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def stderr_lines(stderr):
    """stderr without the log noise TensorFlow and XLA print at import."""
    noise = ("WARNING: All log messages", "I0000", "E0000", "W0000", "oneDNN")
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(noise)]
