"""zoo.metrics against the libraries that define them (utilsforecast, scikit-learn),
and zoo.data.ForecastWindows: windows, padding, scaling and its inverse."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_pinball_loss

from zoo import InputError, data, metrics

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once

LEVELS = [0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975]


def panel_forecast(seed=0, series=7, horizon=5):
    """Histories of different lengths, actual values and sorted quantile forecasts."""
    rng = np.random.default_rng(seed)
    history = [rng.normal(10, 3, size=rng.integers(8, 30)).cumsum() for _ in range(series)]
    actual = [h[-1] + rng.normal(0, 2, size=horizon).cumsum() for h in history]
    point = [h[-1] + rng.normal(0, 1, size=horizon) for h in history]
    spread = np.array([-2.0, -1.3, -0.8, -0.5, -0.25, 0, 0.25, 0.5, 0.8, 1.3, 2.0])
    quantiles = [p[:, None] + spread * rng.uniform(1, 3) for p in point]
    return history, actual, point, quantiles


def long_frames(history, actual, forecast_columns):
    """utilsforecast's long frames: the forecasts beside `y`, and the training rows."""
    rows, train = [], []
    for k, (past, future) in enumerate(zip(history, actual, strict=True)):
        train += [(k, t, v) for t, v in enumerate(past)]
        for h, value in enumerate(future):
            rows.append(
                {"unique_id": k, "ds": len(past) + h, "y": value}
                | {name: column[k][h] for name, column in forecast_columns.items()}
            )
    return pd.DataFrame(rows), pd.DataFrame(train, columns=["unique_id", "ds", "y"])


@pytest.mark.parametrize("season", [1, 3])
def test_mase_is_utilsforecasts(season):
    from utilsforecast.losses import mase

    history, actual, point, _ = panel_forecast()
    frame, train = long_frames(history, actual, {"model": point})
    expected = mase(frame, ["model"], seasonality=season, train_df=train)["model"].mean()
    assert metrics.mase(actual, point, history, season) == pytest.approx(expected, rel=1e-9)


def test_coverage_and_smape_are_utilsforecasts():
    from utilsforecast.losses import coverage, smape

    history, actual, point, quantiles = panel_forecast(seed=1)
    columns = {
        "model": point,
        "model-lo-80": [q[:, 1] for q in quantiles],
        "model-hi-80": [q[:, 9] for q in quantiles],
    }
    frame, _ = long_frames(history, actual, columns)
    # utilsforecast averages per series; with equal horizons that is the pooled share
    expected = coverage(frame, ["model"], level=80)["model"].mean()
    assert metrics.coverage(actual, quantiles, LEVELS, 0.1, 0.9) == pytest.approx(expected)
    # utilsforecast's sMAPE is in [0, 1] with |y - f| / (|y| + |f|): ours is 200 times it
    expected = smape(frame, ["model"])["model"].mean() * 200
    assert metrics.smape(actual, point) == pytest.approx(expected, rel=1e-9)


def test_wql_is_twice_the_pinball_loss_over_the_mean_absolute_value():
    history, actual, _, quantiles = panel_forecast(seed=2)
    y = np.concatenate(actual)
    table = np.concatenate(quantiles)
    expected = np.mean(
        [
            2 * mean_pinball_loss(y, table[:, LEVELS.index(q)], alpha=q) / np.mean(np.abs(y))
            for q in metrics.WQL_LEVELS
        ]
    )
    assert metrics.wql(actual, quantiles, LEVELS) == pytest.approx(expected, rel=1e-9)


def test_msis_by_its_definition_and_a_perfect_interval():
    history, actual, _, quantiles = panel_forecast(seed=3)
    # by hand for one series: width plus 40 times each miss, over the naive scale
    y, q, past = actual[0], quantiles[0], history[0]
    low, high = q[:, 0], q[:, -1]
    score = (high - low) + 40 * np.maximum(low - y, 0) + 40 * np.maximum(y - high, 0)
    expected = np.mean(score) / np.mean(np.abs(np.diff(past)))
    assert metrics.msis(actual[:1], quantiles[:1], LEVELS, history[:1]) == pytest.approx(expected)
    # an interval of width 0 on the actual values scores 0
    exact = [np.repeat(a[:, None], len(LEVELS), axis=1) for a in actual]
    assert metrics.msis(actual, exact, LEVELS, history) == 0.0
    assert metrics.wql(actual, exact, LEVELS) == 0.0


def test_scores_without_the_levels_an_interval_needs():
    history, actual, point, quantiles = panel_forecast(seed=4)
    levels = [0.1, 0.5, 0.9]
    found = metrics.scores(actual, point, [q[:, [1, 5, 9]] for q in quantiles], levels, history)
    assert found["test_coverage_80"] is not None and found["test_coverage_95"] is None
    assert found["test_msis"] is None and found["test_wql"] is None
    with pytest.raises(InputError, match="no quantile at level 0.025"):
        metrics.coverage(actual, quantiles, levels, 0.025, 0.975)


def test_a_constant_history_has_no_mase_scale():
    assert metrics.seasonal_scale([3.0, 3.0, 3.0]) is None
    assert metrics.mase([[1.0]], [[2.0]], [[3.0, 3.0]]) is None


# === ForecastWindows ===


def test_training_windows_cover_every_origin_and_undo_their_scaling():
    series = [np.arange(1.0, 21.0) ** 1.5, np.arange(5.0, 11.0)]
    windows = data.ForecastWindows(context=4, horizon=3)
    origins, y = windows.training(series)
    # origins from min_observed (2) to len - horizon: 16 + 2 windows
    assert len(y) == (20 - 3 - 2 + 1) + (6 - 3 - 2 + 1)
    assert origins.x.shape == (len(y), 4, 3)
    # the scaled targets map back to the actual future values
    back = windows.unscale(y, origins)
    for row, (k, o) in enumerate(zip(origins.series, origins.origin, strict=True)):
        np.testing.assert_allclose(back[row], series[k][o : o + 3], rtol=1e-5)
    # a window shorter than the context is padded with its first value, marked unobserved
    first = np.flatnonzero((origins.series == 0) & (origins.origin == 2))[0]
    np.testing.assert_array_equal(origins.x[first, :, 1], [0, 0, 1, 1])
    np.testing.assert_allclose(origins.x[first, :2, 0], origins.x[first, 2, 0])
    # the input is relative to the last value: 0 there
    np.testing.assert_allclose(origins.x[:, -1, 0], 0.0, atol=1e-6)


def test_seasonal_base_is_the_seasonal_naive_forecast_and_log_targets_are_ratios():
    values = 10 + np.tile([1.0, 5.0, 3.0, 2.0], 6)
    windows = data.ForecastWindows(context=8, horizon=6, season=4, base="season", log=True)
    found = windows.origins([values])
    # a perfectly seasonal series: the base already is the future, the targets are 0
    np.testing.assert_allclose(np.exp(found.base[0]), values[-4:].tolist() + values[-4:-2].tolist())
    origins, y = windows.training([values])
    # from a season of history on (before it, the base is the last value)
    np.testing.assert_allclose(y[origins.origin >= 4], 0.0, atol=1e-6)
    assert np.abs(y[origins.origin < 4]).max() > 0.1
    np.testing.assert_allclose(
        windows.unscale(np.zeros((1, 6, 3)), found)[0, :, 1], np.exp(found.base[0])
    )


def test_windows_read_covariates_where_they_are_known():
    values = [np.arange(10.0) + 1]
    past = [np.arange(10.0)[:, None] * 10]
    future = [np.arange(10.0)[:, None] * 100]
    windows = data.ForecastWindows(context=3, horizon=2)
    found = windows.origins(
        values, past=past, future=future, static=np.array([[7.0]]), series=[0], origin=[6]
    )
    np.testing.assert_array_equal(found.x[0, :, 3], [30, 40, 50])  # past: up to the origin
    np.testing.assert_array_equal(found.x[0, :, 4], [300, 400, 500])  # future, in the context
    np.testing.assert_array_equal(found.future[0, :, 0], [600, 700])  # and over the horizon
    np.testing.assert_array_equal(found.x[0, :, 5], [7, 7, 7])  # static at every step
    assert set(found.inputs) == {"sequence", "future"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(context=0, horizon=2), "`context` to be a positive integer"),
        (dict(context=4, horizon=2, base="level"), "`base` to be one of"),
        (dict(context=4, horizon=2, base="season"), "needs `season`"),
    ],
)
def test_windows_name_bad_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        data.ForecastWindows(**kwargs)


def test_no_series_long_enough_names_what_a_window_needs():
    with pytest.raises(InputError, match="2 observed values before 5 target values"):
        data.ForecastWindows(context=4, horizon=5).training([np.arange(6.0)])


def test_stream_yields_every_window_once_in_bounded_batches():
    rng = np.random.default_rng(0)
    series = [rng.uniform(1, 9, size=rng.integers(9, 20)).cumsum() for _ in range(30)]
    windows = data.ForecastWindows(context=4, horizon=2)
    _, expected = windows.training([s[:-2] for s in series])
    seen = []
    for x, y in windows.stream(iter(series), batch_size=8, buffer=16, holdout=2):
        assert x.shape == (8, 4, 3) and y.shape == (8, 2)
        seen.append(y)
    seen = np.concatenate(seen)
    # every window at most once; only the last partial batch is left out
    assert len(expected) - 8 < len(seen) <= len(expected)
    rows = {tuple(np.round(r, 5)) for r in expected}
    assert all(tuple(np.round(r, 5)) in rows for r in seen)
    assert len({tuple(np.round(r, 5)) for r in seen}) == len(seen)
