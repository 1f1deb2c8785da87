"""End-to-end runs of `python -m recipes.classify` on small learnable data."""

import csv
import json
import signal
import subprocess
import time

import keras
import numpy as np
import pytest

import zoo
from recipes import classify
from tests.recipe_helpers import (
    ROOT,
    command,
    environment,
    run_command,
    run_in_process,
    stderr_lines,
)

ARTIFACTS = [
    "model.keras",
    "run.json",
    "metrics.json",
    "history.csv",
    "predictions.csv",
    "learning_curves.png",
    "confusion_matrix.png",
]


def waves(n=150, timesteps=24, seed=0):
    """Three classes of noisy sine waves that differ in frequency; labels are strings."""
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, 3, size=n)
    t = np.arange(timesteps)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    freq = np.array([0.15, 0.35, 0.6])[classes][:, None]
    x = np.sin(freq * t + phase) + 0.3 * rng.normal(size=(n, timesteps))
    x = np.stack([x, 0.5 * np.cos(freq * t + phase)], axis=-1) * 3 + 7
    return x.astype("float32"), np.array(["slow", "medium", "fast"])[classes]


@pytest.fixture
def wave_file(tmp_path):
    x, y = waves()
    path = tmp_path / "waves.npz"
    np.savez(path, x=x, y=y)
    return path


def test_trains_beats_majority_and_writes_every_artifact(wave_file, tmp_path, capsys):
    out = tmp_path / "run"
    status, stdout, stderr = run_in_process(
        classify.main,
        [
            "--train",
            wave_file,
            "--out",
            out,
            "--epochs",
            "15",
            "--units",
            "16",
            "--patience-steps",
            "15",
            "--batch-size",
            "16",
            "--dropout",
            "0",
        ],
        capsys,
    )
    assert status == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*ARTIFACTS, ".artifacts.json"]
    )  # no temp
    metrics = json.loads((out / "metrics.json").read_text())
    majority = metrics["baselines"]["majority class"]["test_accuracy"]
    assert metrics["test_accuracy"] > majority + 0.2
    for key in (
        "test_accuracy",
        "test_macro_f1",
        "baselines",
        "backend",
        "epochs_run",
        "train_seconds",
        "model",
        "dataset",
    ):
        assert key in metrics
    assert set(metrics["baselines"]) == {
        "majority class",
        "logistic regression",
        "1-NN Euclidean",
        "1-NN DTW (aeon)",
        "MiniRocket (aeon)",
    }
    assert metrics["classes"] == ["fast", "medium", "slow"]
    assert "lstm_fcn" in stdout and "majority class" in stdout
    with open(out / "history.csv") as handle:
        history = list(csv.DictReader(handle))
    assert len(history) == metrics["epochs_run"] > 0
    # no validation set by default: the policy monitors the training loss
    assert {"loss", "accuracy", "learning_rate"} <= set(history[0])
    assert not {"val_loss", "val_accuracy"} & set(history[0])
    with open(out / "predictions.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 38 and {r["true"] for r in rows} <= {"slow", "medium", "fast"}
    for png in ("learning_curves.png", "confusion_matrix.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import keras

    import zoo  # noqa: F401 - registers zoo.layers.LSTM for loading

    model = keras.saving.load_model(out / "model.keras")
    assert model.output_shape == (None, 3)


def test_variable_length_ts_with_test_file(tmp_path, capsys):
    x, y = waves(n=90, timesteps=20, seed=1)
    lengths = np.random.default_rng(2).integers(12, 21, size=len(x))

    def write(path, rows):
        lines = [
            "@problemName waves",
            "@univariate false",
            "@dimensions 2",
            "@equalLength false",
            "@classLabel true slow medium fast",
            "@data",
        ]
        for i in rows:
            dims = [",".join(f"{v:.4f}" for v in x[i, : lengths[i], d]) for d in range(2)]
            lines.append(":".join(dims) + f":{y[i]}")
        path.write_text("\n".join(lines) + "\n")

    write(tmp_path / "train.ts", range(60))
    write(tmp_path / "test.ts", range(60, 90))
    out = tmp_path / "run"
    status, _, stderr = run_in_process(
        classify.main,
        [
            "--train",
            tmp_path / "train.ts",
            "--test",
            tmp_path / "test.ts",
            "--out",
            out,
            "--no-classic-baselines",
            "--epochs",
            "3",
            "--units",
            "8",
        ],
        capsys,
    )
    assert status == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 3
    assert len(list(csv.DictReader(open(out / "predictions.csv")))) == 30

    # the padding is masked: a sequence alone, and padded with the mask value
    # to the longest length in a batch, gives the same probabilities
    model = keras.saving.load_model(out / "model.keras")
    assert model.input_shape == (None, None, 2)
    short = np.random.default_rng(3).normal(size=(1, 12, 2)).astype("float32")
    padded = np.full((1, 20, 2), zoo.data.MASK_VALUE, "float32")
    padded[:, :12] = short
    alone = model.predict(short, verbose=0)
    np.testing.assert_allclose(model.predict(padded, verbose=0), alone, atol=1e-5)
    # and the mask value is not an ordinary number to the model
    zeros = padded.copy()
    zeros[:, 12:] = 0.0
    assert np.abs(model.predict(zeros, verbose=0) - alone).max() > 1e-4


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "transformer"], "argument --model: invalid choice: 'transformer'"),
        (["--units", "0"], "argument --units: expected positive integers"),
        (["--val-split", "1.5"], "argument --val-split: expected a number in [0, 1)"),
        (["--seed", "-1"], "argument --seed: expected an integer in [0, 2**32)"),
        (["--learning-rate", "inf"], "argument --learning-rate: expected a finite positive"),
        (["--train", "nothere.npz"], "nothere.npz: no such file"),
        (["--test", "x.ts"], "--test needs --train"),
        (["--model", "lstm", "--units", "8,8"], "--model lstm takes one width"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    status, _, stderr = run_in_process(classify.main, argv + ["--out", tmp_path], capsys)
    assert status == 2
    lines = stderr_lines(stderr)
    assert len(lines) == 1 and message in lines[0], stderr


def test_bad_file_from_the_command_line(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("@classLabel true a b\n@equalLength true\n@data\n1,2,3:a\n1,2:b\n")
    result = run_command("recipes.classify", "--train", bad, "--out", tmp_path / "o")
    assert result.returncode == 2
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "bad.ts, line 5: ragged row" in lines[0] and "Traceback" not in result.stderr


def test_resume_without_a_run_is_bad_input(tmp_path, wave_file, capsys):
    status, _, stderr = run_in_process(
        classify.main, ["--train", wave_file, "--out", tmp_path / "none", "--resume"], capsys
    )
    assert status == 2 and "--resume: no interrupted run" in stderr


def test_killed_run_resumes_from_its_last_finished_epoch(wave_file, tmp_path, capsys):
    """A SIGKILLed process (no exception handler runs) resumes from its backup.
    Only the epochs are checked here; that a resume continues the weights,
    optimizer, policy and random state exactly is tests/test_resume.py's."""
    out = tmp_path / "run"
    args = [
        "--train",
        wave_file,
        "--out",
        out,
        "--units",
        "8",
        "--model",
        "lstm",
        "--patience-steps",
        "1000",
        "--batch-size",
        "8",
        "--no-classic-baselines",
    ]
    process = subprocess.Popen(
        command("recipes.classify", *args, "--epochs", "1000"),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    metadata = out / ".train" / "backup" / "training_metadata.json"
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if metadata.exists() and json.loads(metadata.read_text() or '{"epoch": 0}')["epoch"] >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "metrics.json").exists()
    finished = json.loads(metadata.read_text())["epoch"]
    assert 2 <= finished < 1000

    status, stdout, stderr = run_in_process(
        classify.main, args + ["--epochs", str(finished + 2), "--resume"], capsys
    )
    assert status == 0, stderr
    assert f"Epoch {finished + 1}/" in stdout and "Epoch 1/" not in stdout
    history = list(csv.DictReader(open(out / "history.csv")))
    assert [int(row["epoch"]) for row in history] == list(range(finished + 2))
    assert json.loads((out / "metrics.json").read_text())["epochs_run"] == finished + 2
    assert not (out / ".train").exists()
