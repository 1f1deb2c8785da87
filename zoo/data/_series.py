"""Forecasting windows of one table: chronological splits, windows and scaling
(the table itself is read by `zoo.data._tables`).

The rules that keep a forecast honest live here, not in a recipe:
- the split is by time: training rows, then validation rows, then test rows;
- a window belongs to the part that holds every one of its target rows, and
  windows whose targets straddle a boundary are dropped; its input rows are the
  `window` rows just before (for validation and test windows they may reach back
  into earlier parts: that past is known when the forecast is made);
- scalers are fit on training rows only, so nothing about the future leaks in.
"""

from dataclasses import dataclass

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import positive_int

SCALERS = ("standard", "minmax", None)


# === Chronological split and windows ===


def chronological_split(rows, test_size, val_size=0.0):
    """Row boundaries `(train_end, val_end)`: rows [0, train_end) train,
    [train_end, val_end) validate, [val_end, rows) test.

    `test_size` and `val_size` are fractions of all rows (floats in (0, 1); a
    fraction keeps at least one row) or row counts (integers >= 1); `val_size`
    may be 0 (no validation rows). This is the one split by time: the
    forecasting windows (`forecasting_data`) and the autoencoder's windows
    (`part_windows`, whole windows inside one part) both cut along it.

    Raises:
        zoo.InputError: naming `test_size=` or `val_size=`.
    """
    rows = positive_int("rows", rows)
    test = _rows("test_size", test_size, rows)
    val = _rows("val_size", val_size, rows) if val_size else 0
    if test + val >= rows:
        raise InputError(
            f"Expected test_size + val_size to leave training rows. Received: "
            f"test_size={test_size!r}, val_size={val_size!r} of {rows} rows"
        )
    return rows - test - val, rows - test


def chronological_parts(rows, test_size, val_size=0.0):
    """`chronological_split` as `{"train": (0, train_end), "val": (train_end,
    val_end), "test": (val_end, rows)}`: each part's `(start, stop)` rows."""
    train_end, val_end = chronological_split(rows, test_size, val_size)
    return {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, rows)}


def _rows(argument, size, rows):
    if isinstance(size, float) and 0 < size < 1:
        return max(1, int(round(size * rows)))
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 1:
        return int(size)
    raise InputError(
        f"Expected `{argument}` to be a fraction in (0, 1) or a row count >= 1. "
        f"Received: {argument}={size!r}"
    )


def windows(inputs, targets, window, horizon=1, stride=1, start=0, stop=None):
    """Sliding windows for direct multi-step forecasting.

    Window `k` starts at row `i`: its inputs are rows `i .. i+window-1` of
    `inputs`, its targets rows `i+window .. i+window+horizon-1` of `targets`.
    Only windows whose target rows all lie in `[start, stop)` are made, every
    `stride`-th one counted from the first.

    Returns:
        `(x, y, first_target_row)`: float32 `x` (n, window, inputs' columns),
        float32 `y` (n, horizon, targets' columns), and for each window the
        row of its first target.

    Raises:
        zoo.InputError: naming the argument that is out of range.
    """
    inputs, targets = _2d(inputs), _2d(targets)
    window = positive_int("window", window)
    horizon = positive_int("horizon", horizon)
    stride = positive_int("stride", stride)
    if len(inputs) != len(targets):
        raise InputError(
            f"Expected `inputs` and `targets` to have the same rows. Received: "
            f"{len(inputs)} and {len(targets)} rows"
        )
    stop = len(targets) if stop is None else stop
    if not (_is_index(start) and _is_index(stop) and 0 <= start <= stop <= len(targets)):
        raise InputError(
            f"Expected 0 <= start <= stop <= {len(targets)} (the rows). "
            f"Received: start={start!r}, stop={stop!r}"
        )
    first = max(start, window)  # the first target row a window can have
    last = stop - horizon  # the last one whose targets all fit before `stop`
    rows = np.arange(first, last + 1, stride)
    if len(rows) == 0:
        x = np.zeros((0, window, inputs.shape[1]), dtype="float32")
        y = np.zeros((0, horizon, targets.shape[1]), dtype="float32")
        return x, y, rows
    # (rows - length + 1, columns, length) views; row r of the view starts at row r
    input_view = np.lib.stride_tricks.sliding_window_view(inputs, window, axis=0)
    target_view = np.lib.stride_tricks.sliding_window_view(targets, horizon, axis=0)
    x = input_view[rows - window].transpose(0, 2, 1).astype("float32")
    y = target_view[rows].transpose(0, 2, 1).astype("float32")
    return x, y, rows


def _is_index(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _2d(a):
    a = np.asarray(a, dtype="float64")
    return a[:, None] if a.ndim == 1 else a


# === Scaling ===


def make_scaler(kind):
    """A scikit-learn scaler: `"standard"`, `"minmax"` or `None` (identity)."""
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

    if kind == "standard":
        return StandardScaler()
    if kind == "minmax":
        return MinMaxScaler()
    if kind is None or kind == "none":
        return FunctionTransformer(check_inverse=False)
    raise InputError(
        f"Expected `scaler` to be one of ['standard', 'minmax', 'none']. Received: scaler={kind!r}"
    )


PREDICT = ("change", "level", "seasonal")
TRANSFORMS = (None, "log")


def seasonal_sources(rows, horizon, season):
    """For windows whose first target row is `rows[i]`, the row seasonal naive
    copies for each of the `horizon` steps: the latest row a whole number of
    seasons back that was observed by row `rows[i] - 1`. Shape (n, horizon)."""
    steps = np.arange(horizon)
    return rows[:, None] + steps - season * np.ceil((steps + 1) / season).astype(int)


@dataclass
class Forecasting:
    """Scaled windows of the three chronological parts, and how to undo the scaling.

    `x_*` have shape (n, window, inputs) and `y_*` (n, horizon, targets), in
    scaled units; `rows_*` hold each window's first target row. With
    `predict="change"`, `x_*` is each window minus its last row (see
    `relative`) and `y_*` the change from the last observed target values
    (`base_*`, shape (n, 1, targets)); with `"seasonal"`, `x_*` is the same and
    `y_*` the difference from the seasonal-naive forecast (`base_*`, shape
    (n, horizon, targets)); with `"level"` both are the scaled values
    themselves and `base_*` is 0. `transform="log"` means the scaled values
    are of the logarithm of the data. `input_scaler` and `target_scaler` were
    fit on rows `[0, train_end)` only.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    rows_train: np.ndarray
    base_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    rows_val: np.ndarray
    base_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    rows_test: np.ndarray
    base_test: np.ndarray
    train_end: int
    val_end: int
    predict: str
    input_scaler: object
    target_scaler: object
    scaled_inputs: np.ndarray
    scaled_targets: np.ndarray
    season: int | None = None
    transform: str | None = None

    def original(self, y, part=None, base=None):
        """Model outputs (n, horizon, targets) of `part` ("train", "val", "test")
        back to original units; `base` replaces the part's base values."""
        y = np.asarray(y, dtype="float64")
        if base is None:
            base = getattr(self, f"base_{part}") if part else 0.0
        y = y + base
        flat = self.target_scaler.inverse_transform(y.reshape(-1, y.shape[-1]))
        if self.transform == "log":
            flat = np.exp(flat)
        return flat.reshape(y.shape)

    def scale_targets(self, values):
        """Target values (rows, targets) in original units to the model's units."""
        values = _2d(values)
        return self.target_scaler.transform(np.log(values) if self.transform == "log" else values)

    def scale_inputs(self, values):
        """Input values (rows, inputs) in original units to the model's units."""
        values = _2d(values)
        return self.input_scaler.transform(np.log(values) if self.transform == "log" else values)


def relative(x):
    """Windows (n, window, columns) minus their last row: the last row becomes 0."""
    return x - x[:, -1:, :]


def forecasting_data(
    inputs,
    targets,
    window,
    horizon=1,
    stride=1,
    test_size=0.2,
    val_size=0.15,
    scaler="standard",
    predict="change",
    season=None,
    transform=None,
):
    """Splits by time, fits scalers on training rows, and makes the windows.

    Args:
        inputs: (rows, n_inputs) values the model reads (usually the targets
            themselves, plus any other series).
        targets: (rows, n_targets) values to predict.
        window, horizon, stride: see `windows`.
        test_size, val_size: see `chronological_split`.
        scaler: `"standard"`, `"minmax"` or `None`.
        predict: `"change"` (default): the model reads each window relative to
            its last row and predicts each future value minus the last observed
            one. It sees the same numbers wherever the series has wandered, so
            it follows a trend beyond the training range, and "no change"
            (persistence) is its starting point. `"seasonal"`: the same
            windows, but the model predicts each future value minus the
            seasonal-naive forecast (needs `season`), so "same as one season
            ago" is its starting point. `"level"`: the scaled values as they
            are, for series whose absolute level carries the signal.
        season: int or None. Rows per season, for `predict="seasonal"`.
        transform: None or `"log"`: model the logarithm of every column (all
            values must be positive), which turns multiplicative seasonality
            and growth into additive ones.
    """
    _check_choices(predict, transform)
    if predict == "seasonal":
        season = positive_int("season", season)
    inputs, targets = _logged(_2d(inputs), _2d(targets), transform)
    bounds = chronological_parts(len(targets), test_size, val_size)
    train_end, val_end = bounds["train"][1], bounds["val"][1]
    return _windowed(
        inputs,
        targets,
        bounds,
        input_scaler=make_scaler(scaler).fit(inputs[:train_end]),
        target_scaler=make_scaler(scaler).fit(targets[:train_end]),
        required={"train", "test"} | ({"val"} if val_end > train_end else set()),
        window=window,
        horizon=horizon,
        stride=stride,
        predict=predict,
        season=season,
        transform=transform,
    )


def forecasting_windows(
    inputs,
    targets,
    *,
    window,
    horizon,
    input_scaler,
    target_scaler,
    predict="change",
    season=None,
    transform=None,
):
    """Every window of new data, prepared as `forecasting_data` prepared a
    run's: the same `predict` and `transform`, scaled by the run's fitted
    scalers (no refit). The windows are the returned `Forecasting`'s test
    part (stride 1, each with its `horizon` target rows inside the data);
    its train and validation parts are empty. Also the start for forecasts
    past the data's end (`scaled_inputs`, `scaled_targets`)."""
    _check_choices(predict, transform)
    if predict == "seasonal":
        season = positive_int("season", season)
    inputs, targets = _logged(_2d(inputs), _2d(targets), transform)
    return _windowed(
        inputs,
        targets,
        {"train": (0, 0), "val": (0, 0), "test": (0, len(targets))},
        input_scaler=input_scaler,
        target_scaler=target_scaler,
        required=set(),
        window=window,
        horizon=horizon,
        stride=1,
        predict=predict,
        season=season,
        transform=transform,
    )


def _windowed(
    inputs,
    targets,
    bounds,
    *,
    input_scaler,
    target_scaler,
    required,
    window,
    horizon,
    stride,
    predict,
    season,
    transform,
):
    """The `Forecasting` of (logged) `inputs` and `targets` through fitted
    scalers, windowed per part of `bounds` ({part: (start, stop)}); a part in
    `required` without windows raises."""
    scaled_inputs = input_scaler.transform(inputs)
    scaled_targets = target_scaler.transform(targets)
    parts = {}
    for part, (start, stop) in bounds.items():
        x, y, rows = windows(scaled_inputs, scaled_targets, window, horizon, stride, start, stop)
        if len(x) == 0 and part in required:
            raise InputError(
                f"no {part} windows: the {part} part has {stop - start} rows, but a window "
                f"needs window={window} input rows before horizon={horizon} target rows "
                "inside it; use a shorter window or horizon, or more data"
            )
        base = np.zeros((len(rows), 1, scaled_targets.shape[1]))
        if predict == "seasonal" and len(rows):
            keep = seasonal_sources(rows, horizon, season).min(axis=1) >= 0
            x, y, rows = x[keep], y[keep], rows[keep]
            if not len(rows):
                raise InputError(
                    f"no {part} windows: season={season} reaches before the first row "
                    f"for every window of the {part} part"
                )
            base = scaled_targets[seasonal_sources(rows, horizon, season)]
        elif predict == "change" and len(rows):
            base = scaled_targets[rows - 1][:, None, :]
        if predict != "level" and len(rows):
            x = relative(x)
        parts.update(
            {
                f"x_{part}": x,
                f"y_{part}": (y - base).astype("float32"),
                f"rows_{part}": rows,
                f"base_{part}": base,
            }
        )
    return Forecasting(
        **parts,
        train_end=bounds["train"][1],
        val_end=bounds["val"][1],
        predict=predict,
        input_scaler=input_scaler,
        target_scaler=target_scaler,
        scaled_inputs=scaled_inputs.astype("float32"),
        scaled_targets=scaled_targets,
        season=season,
        transform=transform,
    )


def _check_choices(predict, transform):
    if predict not in PREDICT:
        raise InputError(
            f"Expected `predict` to be one of {list(PREDICT)}. Received: predict={predict!r}"
        )
    if transform not in TRANSFORMS:
        raise InputError(
            f"Expected `transform` to be one of {list(TRANSFORMS)}. Received: "
            f"transform={transform!r}"
        )


def _logged(inputs, targets, transform):
    if transform != "log":
        return inputs, targets
    if min(inputs.min(), targets.min()) <= 0:
        raise InputError("transform='log' needs positive values; the data holds values <= 0")
    return np.log(inputs), np.log(targets)
