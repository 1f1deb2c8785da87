"""End-to-end runs of `python -m recipes.autoencode`: anomaly detection and embedding."""

import csv
import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from recipes import autoencode
from tests.recipe_helpers import run_command, run_in_process, stderr_lines
from zoo import data

COMMON_ARTIFACTS = {"model.keras", "run.json", "metrics.json", "history.csv", "learning_curves.png"}
ANOMALY_ARTIFACTS = COMMON_ARTIFACTS | {"scores.csv", "errors.png", "reconstruction.png"}
EMBED_ARTIFACTS = COMMON_ARTIFACTS | {"embeddings.npz", "reconstruction.png"}
FAST = ["--units", "32", "--latent-dim", "8", "--patience-steps", "3000", "--batch-size", "32"]


# the autoencoders train, save and reload on every backend (test_autoencoder.py,
# test_models.py); these run the anomaly and embed recipes end to end
END_TO_END = "the anomaly and embed recipes end to end"


@pytest.fixture(scope="module")
def sensor_csv(tmp_path_factory):
    """The generated series, shorter and with a shorter cycle, as a user's CSV."""
    table = data.make_anomaly_series(rows=2400, period=20, every=6, seed=1)
    path = tmp_path_factory.mktemp("sensor") / "sensor.csv"
    lines = ["t,reading,fault"] + [
        f"{t},{v:.5f},{int(a)}"
        for t, v, a in zip(table.dates, table.values["value"], table.values["anomaly"], strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.one_backend(END_TO_END)
def test_anomalies_score_above_normal_rows(sensor_csv, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", sensor_csv, "--target", "reading", "--label-column", "fault"]
    argv += ["--date-column", "t", "--window", "20", "--epochs", "25", "--out", out]
    status, stdout, stderr = run_in_process(autoencode.main, argv + FAST, capsys)
    assert status == 0, stderr
    assert {p.name for p in out.iterdir()} == ANOMALY_ARTIFACTS | {".artifacts.json"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["roc_auc"] > 0.9, metrics
    assert metrics["task"] == "anomaly" and metrics["unit"] == "row"
    assert metrics["epochs_run"] == 25 and metrics["threshold_quantile"] == 0.99
    assert set(metrics["baselines"]) == {
        "PCA reconstruction (8 components)",
        "isolation forest",
        "distance to nearest normal",
    }
    # scores.csv: every test row (the last 40%), flagged exactly above the threshold
    rows = list(csv.DictReader(open(out / "scores.csv")))
    assert len(rows) == metrics["test_rows"] == 960
    assert rows[0]["time"] == "1440" and rows[-1]["time"] == "2399"
    errors = np.array([float(r["error"]) for r in rows])
    flagged = np.array([r["flagged"] == "1" for r in rows])
    truth = np.array([r["anomaly"] == "1" for r in rows])
    np.testing.assert_array_equal(flagged, errors > metrics["threshold"])
    assert flagged.sum() == metrics["flagged"] and truth.sum() == metrics["test_anomalous_rows"]
    assert np.median(errors[truth]) > 5 * np.median(errors[~truth])
    assert "lstm_autoencoder" in stdout and "roc_auc" in stdout


def test_anomalies_without_labels_are_flagged_but_not_scored(sensor_csv, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", sensor_csv, "--target", "reading", "--window", "20", "--epochs", "2"]
    status, stdout, stderr = run_in_process(autoencode.main, argv + FAST + ["--out", out], capsys)
    assert status == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["roc_auc"] is None and metrics["f1"] is None
    assert "no labels" in stdout
    rows = list(csv.DictReader(open(out / "scores.csv")))
    assert rows[0].keys() == {"time", "error", "flagged"}
    # the count is the rows above the threshold: some (the series holds faults), not most
    flagged = sum(r["flagged"] == "1" for r in rows)
    assert metrics["flagged"] == flagged and 0 < flagged < len(rows) / 4, (flagged, len(rows))


def shapes(n, seed):
    """Univariate sequences: noisy sines (class "sine") and square waves ("square")."""
    rng = np.random.default_rng(seed)
    t = np.arange(30)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    sine = np.sin(0.4 * t + phase)
    labels = np.where(rng.random(n) < 0.7, "sine", "square")
    x = np.where(labels[:, None] == "sine", sine, np.sign(sine))
    return (x + 0.05 * rng.normal(size=x.shape)).astype("float32"), labels


@pytest.mark.one_backend(END_TO_END)
def test_labelled_sequences_and_composite_conditional_model(tmp_path, capsys):
    for part, seed in (("train", 0), ("test", 1)):
        x, y = shapes(200, seed)
        np.savez(tmp_path / f"{part}.npz", x=x, y=y)
    out = tmp_path / "run"
    argv = ["--train", tmp_path / "train.npz", "--test", tmp_path / "test.npz"]
    argv += ["--normal-label", "sine", "--future-steps", "5", "--conditional"]
    argv += ["--epochs", "12", "--out", out]
    status, _, stderr = run_in_process(autoencode.main, argv + FAST, capsys)
    assert status == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["unit"] == "sequence" and metrics["test_sequences"] == 200
    assert metrics["roc_auc"] > 0.9, metrics
    rows = list(csv.DictReader(open(out / "scores.csv")))
    assert [r["anomaly"] == "1" for r in rows] == [r["label"] == "square" for r in rows]
    # the saved composite conditional model loads and has both decoders
    import keras

    model = keras.saving.load_model(out / "model.keras")
    assert set(model.output) == {"reconstruction", "future"}
    assert model.get_layer("encoder").input.shape == (None, 25, 1)


@pytest.mark.one_backend(END_TO_END)
def test_linear_probe_on_the_bundled_digits(tmp_path, capsys):
    out = tmp_path / "run"
    status, stdout, stderr = run_in_process(
        autoencode.main, ["--task", "embed", "--epochs", "8", "--out", out] + FAST, capsys
    )
    assert status == 0, stderr
    assert {p.name for p in out.iterdir()} == EMBED_ARTIFACTS | {".artifacts.json"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["raw_probe_accuracy"] > 0.9
    # 10 classes, chance 0.1; 8 numbers per digit keep less than its 64 raw pixels
    assert 0.5 < metrics["probe_accuracy"] < metrics["raw_probe_accuracy"] + 0.02, metrics
    with np.load(out / "embeddings.npz") as saved:
        z_train, z_test = saved["train_embeddings"], saved["test_embeddings"]
        y_train, y_test = saved["train_labels"], saved["test_labels"]
    assert z_train.shape == (1347, 8) and z_test.shape == (450, 8)
    # the saved embeddings reproduce the reported probe accuracy
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    accuracy = accuracy_score(y_test, probe.fit(z_train, y_train).predict(z_test))
    assert accuracy == pytest.approx(metrics["probe_accuracy"])
    assert "latent vectors" in stdout and "raw flattened series" in stdout


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--task", "embed", "--data", "s.csv"], "unrecognized arguments: --data s.csv"),
        (["--task", "nope"], "argument --task: invalid choice: 'nope'"),
        (["--train", "d.npz"], "labelled sequences need --normal-label"),
        (["--train", "d.npz", "--normal-label", "7"], "--normal-label '7' is not one of"),
        (["--normal-label", "1"], "--normal-label needs labelled sequences (--train or"),
        (["--target", "nope"], "--target names unknown column(s) ['nope']"),
        (["--window", "5000"], "no train windows"),
        (
            ["--train", "d.npz", "--normal-label", "0", "--future-steps", "8"],
            "--future-steps 8 leaves no steps to encode in sequences of 8 steps",
        ),
        (["--threshold-quantile", "1"], "argument --threshold-quantile: expected a number in"),
        (["--bidirectional"], "unrecognized arguments: --bidirectional"),
        (["--train", "u.npz", "--task", "embed"], "the autoencoder needs sequences of one length"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    np.savez("d.npz", x=np.zeros((20, 8, 1)), y=np.array([0, 1] * 10))
    unequal = np.zeros((20, 8, 1))
    unequal[::2, 5:] = np.nan
    np.savez("u.npz", x=unequal, y=np.array([0, 1] * 10))
    status, _, stderr = run_in_process(autoencode.main, argv + ["--epochs", "1"], capsys)
    assert status == 2
    lines = stderr_lines(stderr)
    assert len(lines) == 1 and message in lines[0], stderr


def test_bad_label_column_from_the_command_line(sensor_csv, tmp_path):
    result = run_command(
        "recipes.autoencode",
        *("--data", sensor_csv, "--target", "reading", "--label-column", "kind"),
        *("--out", tmp_path),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1 and "--label-column names unknown column(s) ['kind']" in lines[0]
