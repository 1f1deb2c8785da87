"""Forecasting data: CSV tables, chronological splits, windows, scaling, baselines."""

import numpy as np
import pytest

from recipes import _forecasting
from zoo import data
from zoo._errors import InputError

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once


def write(path, text):
    path.write_text(text)
    return path


# === Reading ===


def test_read_series_csv_columns_dates_and_text(tmp_path):
    path = write(tmp_path / "s.csv", "date,a,b,kind\n2020-01,1,10,x\n2020-02,2,20,y\n")
    table = data.read_series_csv(path, date_column="date")
    assert table.names == ["a", "b"]  # the text column is left out
    np.testing.assert_array_equal(table.columns(["b", "a"], "--target"), [[10, 1], [20, 2]])
    assert table.dates.tolist() == ["2020-01", "2020-02"]
    with pytest.raises(InputError, match=r"s\.csv: --target names unknown column\(s\) \['c'\]"):
        table.columns(["c"], "--target")
    with pytest.raises(InputError, match=r"s\.csv, line 2: 'x': target= names column 'kind'"):
        table.columns(["a", "kind"], "target=")


def test_missing_value_names_column_and_line_unless_filled(tmp_path):
    path = write(tmp_path / "gaps.csv", "t,v\n0,1\n1,\n2,NA\n3,7\n")
    with pytest.raises(InputError, match=r"gaps\.csv, line 3: column 'v' is missing a value"):
        data.read_series_csv(path)
    forward = data.read_series_csv(path, fill="forward").values["v"]
    np.testing.assert_array_equal(forward, [1, 1, 1, 7])
    interpolated = data.read_series_csv(path, fill="interpolate").values["v"]
    np.testing.assert_array_equal(interpolated, [1, 3, 5, 7])


def test_leading_gap_forward_fill_takes_first_observed(tmp_path):
    path = write(tmp_path / "lead.csv", "t,v\n0,\n1,\n\n2,4\n3,5\n")  # blank lines: no row
    np.testing.assert_array_equal(
        data.read_series_csv(path, fill="forward").values["v"], [4, 4, 4, 5]
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"bad\.csv: the file is empty"),
        ("a,b\n", r"bad\.csv: no data rows after the header"),
        ("a,b\n1,2\n3\n", r"bad\.csv, line 3: 1 cells, but the header has 2"),
    ],
)
def test_bad_csv(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        data.read_series_csv(write(tmp_path / "bad.csv", text))


def test_bundled_sunspots():
    table = data.load_sunspots()
    assert table.names == ["SUNACTIVITY"] and len(table.dates) == 309
    assert table.dates[0] == "1700" and table.dates[-1] == "2008"
    assert table.values["SUNACTIVITY"][:3].tolist() == [5.0, 11.0, 16.0]


# === Split and windows ===


def test_chronological_split_fractions_and_counts():
    assert data.chronological_split(100, 0.2, 0.1) == (70, 80)
    assert data.chronological_split(100, 15, 5) == (80, 85)
    assert data.chronological_split(10, 3) == (7, 7)
    with pytest.raises(InputError, match="Received: test_size=1.5"):
        data.chronological_split(10, 1.5)
    with pytest.raises(InputError, match="leave training rows"):
        data.chronological_split(10, 5, 5)


def test_windows_by_hand():
    series = np.arange(10.0)
    x, y, rows = data.windows(series, series * 10, window=3, horizon=2)
    assert x.shape == (6, 3, 1) and y.shape == (6, 2, 1)
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(y[0, :, 0], [30, 40])
    np.testing.assert_array_equal(x[-1, :, 0], [5, 6, 7])
    np.testing.assert_array_equal(y[-1, :, 0], [80, 90])
    np.testing.assert_array_equal(rows, [3, 4, 5, 6, 7, 8])
    _, _, strided = data.windows(series, series, window=3, horizon=2, stride=2)
    np.testing.assert_array_equal(strided, [3, 5, 7])


def test_windows_targets_stay_inside_their_part():
    series = np.arange(20.0)
    x, y, rows = data.windows(series, series, window=4, horizon=3, start=12, stop=17)
    # first target row >= 12, last target row (row + 2) < 17
    np.testing.assert_array_equal(rows, [12, 13, 14])
    np.testing.assert_array_equal(y[:, :, 0], [[12, 13, 14], [13, 14, 15], [14, 15, 16]])
    np.testing.assert_array_equal(x[0, :, 0], [8, 9, 10, 11])  # inputs: the known past


def loop_windows(inputs, targets, window, horizon=1, stride=1, start=0, stop=None):
    """The reference: one window at a time, as the first version of `windows` did."""
    inputs = np.asarray(inputs, "float64").reshape(len(inputs), -1)
    targets = np.asarray(targets, "float64").reshape(len(targets), -1)
    stop = len(targets) if stop is None else stop
    rows = np.arange(max(start, window), stop - horizon + 1, stride)
    x = np.zeros((len(rows), window, inputs.shape[1]), dtype="float32")
    y = np.zeros((len(rows), horizon, targets.shape[1]), dtype="float32")
    for k, r in enumerate(rows):
        x[k], y[k] = inputs[r - window : r], targets[r : r + horizon]
    return x, y, rows


def test_vectorised_windows_match_the_loop():
    rng = np.random.default_rng(0)
    for _ in range(200):
        rows = int(rng.integers(1, 40))
        inputs = rng.normal(size=(rows, int(rng.integers(1, 4))))
        targets = rng.normal(size=rows) if rng.random() < 0.5 else inputs[:, :2]
        window, horizon, stride = (int(v) for v in rng.integers(1, 8, size=3))
        start = int(rng.integers(0, rows + 1))
        stop = int(rng.integers(start, rows + 1))
        got = data.windows(inputs, targets, window, horizon, stride, start, stop)
        want = loop_windows(inputs, targets, window, horizon, stride, start, stop)
        for a, b in zip(got, want, strict=True):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"window": 0}, r"Expected `window` to be an integer >= 1. Received: window=0"),
        ({"horizon": 1.5}, r"Received: horizon=1.5"),
        ({"stride": True}, r"Received: stride=True"),
        ({"stop": 11}, r"Expected 0 <= start <= stop <= 10 .* stop=11"),
        ({"start": 5, "stop": 4}, r"Received: start=5, stop=4"),
    ],
)
def test_windows_arguments_are_named(kwargs, message):
    series = np.arange(10.0)
    arguments = {"window": 3, **kwargs}
    with pytest.raises(InputError, match=message):
        data.windows(series, series, **arguments)
    with pytest.raises(InputError, match="the same rows"):
        data.windows(series, series[:5], 3)


def test_chronological_parts_cover_every_row_once():
    parts = data.chronological_parts(100, 0.2, 0.1)
    assert parts == {"train": (0, 70), "val": (70, 80), "test": (80, 100)}
    assert data.chronological_parts(10, 3) == {"train": (0, 7), "val": (7, 7), "test": (7, 10)}
    assert data.chronological_split(10, 0.01) == (9, 9)  # a fraction keeps one row
    with pytest.raises(InputError, match="Received: val_size=-1"):
        data.chronological_split(10, 2, -1)
    with pytest.raises(InputError, match="Received: rows=0"):
        data.chronological_split(0, 0.2)


def test_no_window_crosses_the_split():
    rows_total = 120
    split = data.forecasting_data(np.arange(rows_total), np.arange(rows_total), 10, horizon=4)
    for part, (start, stop) in {
        "train": (0, split.train_end),
        "val": (split.train_end, split.val_end),
        "test": (split.val_end, rows_total),
    }.items():
        rows = getattr(split, f"rows_{part}")
        assert rows.min() >= start and rows.max() + 4 <= stop, part
    # training windows only ever read training rows
    assert split.rows_train.max() + 4 <= split.train_end
    assert (split.train_end, split.val_end) == (78, 96)


def test_scaler_never_sees_test_rows():
    rng = np.random.default_rng(0)
    series = rng.normal(size=200)
    changed = series.copy()
    changed[150:] = 1e6  # the future is wildly different; training rows are not
    a = data.forecasting_data(series, series, 8, test_size=0.2, val_size=0.1)
    b = data.forecasting_data(changed, changed, 8, test_size=0.2, val_size=0.1)
    assert a.train_end == 140
    np.testing.assert_allclose(a.target_scaler.mean_, [series[:140].mean()])
    np.testing.assert_allclose(a.target_scaler.scale_, [series[:140].std()])
    np.testing.assert_array_equal(a.target_scaler.mean_, b.target_scaler.mean_)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)


@pytest.mark.parametrize("predict", ["change", "level"])
@pytest.mark.parametrize("scaler", ["standard", "minmax", None])
def test_original_undoes_scaling_and_change(predict, scaler):
    series = np.cumsum(np.random.default_rng(1).normal(size=150)) + 50
    split = data.forecasting_data(series, series, 6, horizon=3, scaler=scaler, predict=predict)
    true = split.original(split.y_test, "test")
    expected = np.stack([series[r : r + 3] for r in split.rows_test])[..., None]
    np.testing.assert_allclose(true, expected, rtol=1e-5)
    if predict == "change":
        # each window reads relative to its last row
        np.testing.assert_array_equal(split.x_test[:, -1], 0.0)
        # predicting zero change is exactly persistence
        zero = split.original(np.zeros_like(split.y_test), "test")
        np.testing.assert_allclose(zero[:, :, 0], series[split.rows_test - 1, None].repeat(3, 1))


def test_too_few_rows_for_a_window_names_the_arguments():
    with pytest.raises(InputError, match=r"no train windows: .* window=80 .* horizon=1"):
        data.forecasting_data(np.arange(100.0), np.arange(100.0), 80, test_size=10)


# === Metrics and baselines, by hand ===


def test_scores_by_hand():
    got = _forecasting.scores([1.0, 2.0, 0.0, 4.0], [2.0, 2.0, 1.0, 2.0], mase_scale=2.0)
    assert got["test_rmse"] == pytest.approx(np.sqrt((1 + 0 + 1 + 4) / 4))
    assert got["test_mae"] == pytest.approx(1.0)
    assert got["test_mape"] == pytest.approx((100 + 0 + 50) / 3)  # the 0 is skipped
    assert got["test_smape"] == pytest.approx(100 * (2 / 3 + 0 + 2 + 2 / 3) / 4)
    assert got["test_mase"] == pytest.approx(1.0 / 2.0)
    assert _forecasting.scores([0.0], [1.0], mase_scale=None)["test_mape"] is None
    # MASE's scale: the in-sample MAE of the (seasonal) naive one-step forecast
    train = np.array([[1.0], [3.0], [2.0], [6.0]])
    assert _forecasting.mase_scale(train) == pytest.approx((2 + 1 + 4) / 3)
    assert _forecasting.mase_scale(train, season=2) == pytest.approx((1 + 3) / 2)


def test_persistence_and_seasonal_naive_by_hand():
    targets = np.arange(100.0, 120.0)[:, None]  # row r holds 100 + r
    rows = np.array([10, 15])
    np.testing.assert_array_equal(
        _forecasting.persistence(targets, rows, 3)[:, :, 0], [[109, 109, 109], [114, 114, 114]]
    )
    # the value a whole number of seasons back that was observed by row r - 1
    naive = _forecasting.seasonal_naive(targets, rows, 3, season=2)[:, :, 0]
    np.testing.assert_array_equal(naive, [[108, 109, 108], [113, 114, 113]])
    naive4 = _forecasting.seasonal_naive(targets, np.array([10]), 5, season=4)[:, :, 0]
    np.testing.assert_array_equal(naive4, [[106, 107, 108, 109, 106]])


def test_seasonal_mode_predicts_the_residual_of_seasonal_naive():
    rows = np.arange(60.0)
    series = 10 + rows + 5 * np.sin(2 * np.pi * rows / 6)
    split = data.forecasting_data(
        series, series, window=8, horizon=3, test_size=12, val_size=6, predict="seasonal", season=6
    )
    scaled = split.scaled_targets[:, 0]
    sources = data.seasonal_sources(split.rows_test, 3, 6)
    np.testing.assert_allclose(split.base_test[..., 0], scaled[sources])
    np.testing.assert_allclose(
        split.y_test[..., 0],
        scaled[split.rows_test[:, None] + np.arange(3)] - scaled[sources],
        atol=1e-6,
    )
    # a model predicting zeros is exactly seasonal naive
    zeros = np.zeros_like(split.y_test)
    np.testing.assert_allclose(split.original(zeros, "test")[:, :, 0], series[sources], rtol=1e-9)


def test_log_transform_round_trips_and_refuses_non_positive_values():
    series = np.exp(np.linspace(0, 3, 50))
    split = data.forecasting_data(
        series, series, window=5, test_size=10, val_size=5, transform="log", predict="level"
    )
    true = split.original(split.y_test, "test")[:, 0, 0]
    np.testing.assert_allclose(true, series[split.rows_test], rtol=1e-5)
    with pytest.raises(InputError, match="transform='log' needs positive values"):
        data.forecasting_data(series - 2, series, window=5, transform="log")


def test_seasonal_beats_persistence_tells_a_fixed_season_from_a_wandering_cycle():
    rows = np.arange(120.0)
    monthly = (100 + 20 * np.sin(2 * np.pi * rows / 12))[:, None]
    walk = np.cumsum(np.random.default_rng(0).normal(size=120))[:, None]
    assert _forecasting.seasonal_beats_persistence(monthly, 3, 12)
    assert not _forecasting.seasonal_beats_persistence(walk, 1, 12)


def test_a_season_reaching_before_every_window_of_a_part_says_so():
    y = np.arange(1, 101, dtype=float)[:, None]
    with pytest.raises(InputError, match=r"no train windows: season=80 reaches before the first"):
        data.forecasting_data(
            y, y, window=5, horizon=1, test_size=0.2, val_size=0.1, predict="seasonal", season=80
        )
