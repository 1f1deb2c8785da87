"""End-to-end runs of `python -m recipes.regress` on small learnable series."""

import csv
import json

import numpy as np
import pytest

from recipes import regress
from tests.recipe_helpers import run_command, run_in_process, stderr_lines

FORECAST_ARTIFACTS = {
    "model.keras",
    "run.json",
    "metrics.json",
    "history.csv",
    "predictions.csv",
    "forecast.png",
    "learning_curves.png",
}
FAST = ["--epochs", "40", "--units", "16", "--patience-steps", "40", "--dropout", "0"]


# the windowed forecaster end to end: its windows, baselines and files are the
# recipe's; every backend replays a windowed run in test_recipe_predict.py
WINDOWED = "the windowed forecaster end to end"


@pytest.fixture
def seasonal_csv(tmp_path):
    """A noisy period-12 cycle: persistence is poor, the next step is learnable."""
    rng = np.random.default_rng(0)
    t = np.arange(240)
    level = 10 + 3 * np.sin(2 * np.pi * t / 12) + 0.2 * rng.normal(size=len(t))
    driver = np.cos(2 * np.pi * t / 12)
    path = tmp_path / "seasonal.csv"
    lines = ["month,level,driver"] + [
        f"{2000 + i // 12}-{i % 12 + 1:02d},{v:.4f},{d:.4f}"
        for i, (v, d) in enumerate(zip(level, driver, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.one_backend(WINDOWED)
def test_forecast_beats_persistence_and_writes_every_artifact(seasonal_csv, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", seasonal_csv, "--target", "level", "--date-column", "month"]
    argv += ["--window", "12", "--horizon", "2", "--season", "12", "--forecast", "5"]
    status, stdout, stderr = run_in_process(regress.main, argv + FAST + ["--out", out], capsys)
    assert status == 0, stderr
    assert {p.name for p in out.iterdir()} == FORECAST_ARTIFACTS | {
        "forecast.csv",
        ".artifacts.json",
    }
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_rmse", "test_mae", "test_mape", "test_smape", "backend", "train_seconds"):
        assert key in metrics
    assert set(metrics["baselines"]) == {
        "persistence",
        "seasonal naive",
        "linear model (ridge)",
        "exponential smoothing (statsmodels)",
    }
    persistence = metrics["baselines"]["persistence"]["test_rmse"]
    assert metrics["test_rmse"] < 0.7 * persistence, metrics
    assert metrics["epochs_run"] == 40 and len(metrics["test_rmse_per_step"]) == 2
    # predictions: one row per test window and step, in original units and times
    rows = list(csv.DictReader(open(out / "predictions.csv")))
    assert len(rows) == 2 * metrics["test_windows"]
    assert rows[-1]["time"] == "2019-12" and rows[-1]["step"] == "2"
    assert 6 < float(rows[-1]["true"]) < 14
    future = list(csv.DictReader(open(out / "forecast.csv")))
    assert [r["step"] for r in future] == ["1", "2", "3", "4", "5"]
    assert all(6 < float(r["level"]) < 14 for r in future)
    assert "Test set, original units" in stdout and "persistence" in stdout


@pytest.mark.one_backend(WINDOWED)
def test_features_are_inputs(seasonal_csv, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", seasonal_csv, "--target", "level", "--features", "driver"]
    argv += ["--window", "6", "--scaler", "minmax", "--predict", "level"]
    status, _, stderr = run_in_process(regress.main, argv + FAST + ["--out", out], capsys)
    assert status == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["features"] == ["driver"] and metrics["predict"] == "level"
    assert "seasonal naive" not in metrics["baselines"]  # no --season given
    rows = list(csv.DictReader(open(out / "predictions.csv")))
    assert rows[0]["time"] == str(240 - metrics["test_windows"])  # row numbers without dates


def test_series_to_number_from_ts(tmp_path, capsys):
    rng = np.random.default_rng(0)

    def write(path, count):
        lines = ["@problemName amplitude", "@univariate true", "@equalLength true"]
        lines += ["@targetLabel true", "@classLabel false", "@data"]
        for _ in range(count):
            amplitude = rng.uniform(1, 5)
            values = amplitude * np.sin(np.linspace(0, 6, 20) + rng.uniform(0, 6))
            lines.append(",".join(f"{v:.4f}" for v in values) + f":{amplitude:.4f}")
        path.write_text("\n".join(lines) + "\n")

    write(tmp_path / "train.ts", 160)
    write(tmp_path / "test.ts", 40)
    out = tmp_path / "run"
    argv = ["--train", tmp_path / "train.ts", "--test", tmp_path / "test.ts", "--out", out]
    status, _, stderr = run_in_process(regress.main, argv + FAST, capsys)
    assert status == 0, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "series-to-number" and metrics["test_series"] == 40
    assert set(metrics["baselines"]) == {"training mean", "linear model (ridge)"}
    assert metrics["test_rmse"] < 0.6 * metrics["baselines"]["training mean"]["test_rmse"]
    assert (out / "predictions.png").exists() and (out / "model.keras").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--target", "nope"], "--target names unknown column(s) ['nope']"),
        (["--window", "500"], "no train windows"),
        (["--forecast", "3", "--features", "driver"], "needs future values of --features"),
        (["--features", "level"], "--features repeats target column(s) ['level']"),
        (["--train", "x.npz"], "give one of --data (forecasting), --dataset or --train"),
        (["--scaler", "robust"], "argument --scaler: invalid choice: 'robust'"),
        (
            ["--test-size", "-1"],
            "argument --test-size: expected a fraction below 1 or a whole row count",
        ),
        (
            ["--test-size", "1.0"],  # not one row
            "argument --test-size: expected a fraction below 1 or a whole row count",
        ),
        (["--season", "500"], "--season 500 is not shorter than the 156 training rows"),
        (["--season", "200"], "--season 200 is not shorter than the 156 training rows (of 240"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, seasonal_csv, tmp_path, capsys):
    base = ["--data", seasonal_csv, "--target", "level", "--epochs", "1", "--horizon", "1"]
    status, _, stderr = run_in_process(regress.main, base + argv + ["--out", tmp_path], capsys)
    assert status == 2
    lines = stderr_lines(stderr)
    assert len(lines) == 1 and message in lines[0], stderr


@pytest.mark.one_backend(WINDOWED)
def test_missing_value_from_the_command_line(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("t,v\n" + "".join(f"{i},{'' if i == 7 else i}\n" for i in range(60)))
    result = run_command("recipes.regress", "--data", path, "--out", tmp_path / "o")
    assert result.returncode == 2
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "gaps.csv, line 9: column 'v' is missing a value" in lines[0]
    flags = ["--target", "v", "--fill", "interpolate", "--epochs", "1", "--window", "5"]
    filled = run_command("recipes.regress", "--data", path, *flags, "--out", tmp_path / "f")
    assert filled.returncode == 0, filled.stderr
    assert json.loads((tmp_path / "f" / "metrics.json").read_text())["epochs_run"] == 1


def test_class_labels_are_not_regression_targets(tmp_path, capsys):
    np.savez(tmp_path / "c.npz", x=np.zeros((20, 5, 1)), y=np.array(["a", "b"] * 10))
    status, _, stderr = run_in_process(
        regress.main, ["--train", tmp_path / "c.npz", "--out", tmp_path / "o"], capsys
    )
    assert status == 2 and "targets are not numbers" in stderr
