"""recipes.forecast on generated panels whose quantiles are known: what it writes,
that its intervals cover what they say, that it beats seasonal naive where
the truth is the seasonal pattern, and that recipes.predict replays it."""

import csv
import json

import numpy as np
import pytest

from recipes import forecast, predict
from tests.recipe_helpers import run_in_process, stderr_lines

SIGMA = 0.05  # noise, as a share of each series' level
TINY = ["--max-steps", "400", "--baselines", "snaive", "--ensemble", "1"]


def seasonal_panel(path, series=12, months=72, seed=0):
    """A long table of monthly series: level x (1 + 0.3 sin) + Gaussian noise of
    SIGMA x level, so the ideal 80% interval is the pattern +- 1.28 SIGMA x level;
    a promotion column adds 0.2 x level where it is 1 (known ahead)."""
    rng = np.random.default_rng(seed)
    rows = [["store", "month", "sales", "promo", "size"]]
    for k in range(series):
        level = 20.0 * (k + 1)
        for t in range(months):
            promo = int(rng.random() < 0.15)
            pattern = level * (1 + 0.3 * np.sin(2 * np.pi * t / 12) + 0.2 * promo)
            value = pattern + rng.normal(0, SIGMA * level)
            month = f"{2015 + t // 12}-{t % 12 + 1:02d}-01"
            rows.append([f"s{k}", month, f"{value:.4f}", promo, level])
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def panel_file(tmp_path_factory):
    return seasonal_panel(tmp_path_factory.mktemp("panel") / "sales.csv")


FLAGS = ["--id-column", "store", "--date-column", "month", "--target", "sales"]


# What these check is the recipe's (windows, quantiles, metrics, files), not a backend's:
# they run once. Every backend trains, saves and replays a panel model in
# test_predict_replays_a_panel_run, and the builders' own checks run on each.
@pytest.mark.once
def test_a_panel_run_forecasts_quantiles_that_cover_and_beat_seasonal_naive(
    panel_file, tmp_path, capsys
):
    out = tmp_path / "run"
    argv = ["--data", panel_file, *FLAGS, "--future-covariates", "promo"]
    argv += ["--static-covariates", "size", "--horizon", "6", "--backtest", "1"]
    status, stdout, stderr = run_in_process(forecast.main, [*argv, *TINY, "--out", out], capsys)
    assert status == 0, stderr
    assert "12 series (0 too short to test), horizon 6, season 12" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    naive = metrics["baselines"]["seasonal naive"]
    # the truth is the seasonal pattern plus noise (and promotions the model reads)
    assert metrics["test_mase"] < 0.9 * naive["test_mase"], (metrics, naive)
    assert metrics["test_wql"] < naive["test_wql"]
    assert 0.6 <= metrics["test_coverage_80"] <= 0.97
    assert 0.8 <= metrics["test_coverage_95"] <= 1.0
    assert metrics["backtest"]["origins"] == 1
    # test_forecasts.csv: the last 6 months of every series, quantiles sorted
    rows = read_csv(out / "test_forecasts.csv")
    assert len(rows) == 12 * 6
    assert list(rows[0])[:4] == ["series", "date", "actual", "forecast"]
    assert rows[0]["series"] == "s0" and rows[0]["date"] == "2020-07-01"
    levels = [k for k in rows[0] if k.startswith("q")]
    assert levels == [f"q{q:g}" for q in forecast.DEFAULT_QUANTILES]
    for row in rows:
        values = [float(row[k]) for k in levels]
        assert values == sorted(values)
        assert float(row["forecast"]) == float(row["q0.5"])
    # the model's 80% band is near the ideal one (+- 1.28 sigma x level)
    widths = [
        (float(r["q0.9"]) - float(r["q0.1"])) / (20.0 * (int(r["series"][1:]) + 1)) for r in rows
    ]
    assert 0.5 * 2.56 * SIGMA < np.median(widths) < 3 * 2.56 * SIGMA
    assert len(read_csv(out / "backtest_forecasts.csv")) == 12 * 6
    assert {p.name for p in out.iterdir()} >= {
        "model.keras",
        "run.json",
        "metrics.json",
        "history.csv",
        "forecasts.png",
        "learning_curves.png",
    }


def test_predict_replays_a_panel_run(panel_file, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", panel_file, *FLAGS, "--static-covariates", "size", "--horizon", "6"]
    # a replay, not a forecast's quality: a few steps train it
    argv += ["--forecast", "4", *TINY, "--max-steps", "30", "--out", out]
    status, _, stderr = run_in_process(forecast.main, argv, capsys)
    assert status == 0, stderr
    own = read_csv(out / "forecast.csv")
    assert len(own) == 12 * 4 and own[0]["date"] == "2021-01-01"
    # new data that a refit scaler would read differently: the run's own scaling replays
    status, _, stderr = run_in_process(
        predict.main,
        ["--run", out, "--data", panel_file, "--forecast", "4", "--out", tmp_path / "p"],
        capsys,
    )
    assert status == 0, stderr
    again = read_csv(tmp_path / "p" / "forecast.csv")
    assert [r["series"] for r in again] == [r["series"] for r in own]
    for mine, theirs in zip(own, again, strict=True):
        for key in ("forecast", "q0.1", "q0.9"):
            assert float(theirs[key]) == pytest.approx(float(mine[key]), rel=1e-4)


@pytest.mark.once
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--horizon", "6", "--forecast", "9"], "--forecast 9 is beyond --horizon 6"),
        (["--future-covariates", "promo", "--forecast", "2"], "--future-covariates past the end"),
        (["--test-size", "0.2"], "--test-size apply to the windowed models"),
        (["--model", "stacked_lstm", "--backtest", "2"], "--id-column needs a panel model"),
        (["--calibrate"], "--calibrate needs --backtest 1 or more"),
        (["--quantiles", "0.1,1.5"], "--quantiles"),
        (["--baselines", "snaive,prophet"], "--baselines: unknown ['prophet']"),
        (["--model", "deepar", "--past-covariates", "promo"], "deepar reads known-future"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(argv, message, panel_file, tmp_path, capsys):
    base = ["--data", panel_file, *FLAGS, "--max-steps", "1"]
    status, _, stderr = run_in_process(forecast.main, [*base, *argv, "--out", tmp_path], capsys)
    lines = stderr_lines(stderr)
    assert status == 2 and len(lines) == 1 and message in lines[0], stderr


def count_panel(path, series=10, months=60, seed=1):
    """A wide table of monthly counts: Poisson draws around a seasonal rate."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    rates = [(3 + 2 * k) * (1 + 0.5 * np.sin(2 * np.pi * t / 12)) for k in range(series)]
    counts = np.stack([rng.poisson(r) for r in rates], axis=1)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", *[f"item{k}" for k in range(series)]])
        for i in t:
            writer.writerow([f"{2015 + i // 12}-{i % 12 + 1:02d}-01", *counts[i]])
    return path


@pytest.mark.once
@pytest.mark.parametrize("model", ["mqrnn", "deepar"])
def test_a_count_panel_gets_non_negative_quantiles_that_cover(model, tmp_path, capsys):
    path = count_panel(tmp_path / "counts.csv")
    targets = ",".join(f"item{k}" for k in range(10))
    out = tmp_path / model
    argv = ["--data", path, "--target", targets, "--date-column", "month", "--horizon", "6"]
    argv += ["--model", model, "--max-steps", "300", "--baselines", "snaive", "--ensemble", "1"]
    argv += ["--out", out]
    status, stdout, stderr = run_in_process(forecast.main, argv, capsys)
    assert status == 0, stderr
    assert "10 series (0 too short to test), horizon 6, season 12" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    rows = read_csv(out / "test_forecasts.csv")
    assert len(rows) == 60 and {r["series"] for r in rows} == {f"item{k}" for k in range(10)}
    assert min(float(r["q0.025"]) for r in rows) >= 0.0  # counts: never below 0
    assert 0.6 <= metrics["test_coverage_80"] <= 1.0
    assert 0.8 <= metrics["test_coverage_95"] <= 1.0
    # Poisson noise is large at these rates: within 25% of seasonal naive's MASE
    assert metrics["test_mase"] < 1.25 * metrics["baselines"]["seasonal naive"]["test_mase"]


@pytest.mark.once
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(quantiles=[0.1, 0.5]), "length of preparation.quantiles is 2"),
        (lambda p: p.update(context=5), "preparation.context is 5"),
        (lambda p: p.update(base="mean"), "preparation.base must be"),
        (lambda p: p["covariates"]["static"][0].update(std=0), "positive std"),
    ],
)
def test_predict_checks_a_panel_run_json_whole(change, message, panel_file, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--data", panel_file, *FLAGS, "--static-covariates", "size", "--horizon", "6"]
    status, _, stderr = run_in_process(
        forecast.main, [*argv, "--max-steps", "2", *TINY[2:], "--out", out], capsys
    )
    assert status == 0, stderr
    run = json.loads((out / "run.json").read_text())
    change(run["preparation"])
    (out / "run.json").write_text(json.dumps(run))
    argv = ["--run", out, "--data", panel_file, "--out", tmp_path / "p"]
    status, _, stderr = run_in_process(predict.main, argv, capsys)
    lines = stderr_lines(stderr)
    assert status == 2 and len(lines) == 1 and "run.json" in lines[0] and message in lines[0], (
        stderr
    )
