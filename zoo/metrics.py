"""Forecast metrics over a panel, as the M competitions and fev define them.

Every function takes lists with one entry per series (series may differ in
length): `actual[k]` (h,), point `forecast[k]` (h,), quantile forecasts
`quantiles[k]` (h, q) at the levels `levels`, and `history[k]`, the series'
values before the forecast origin (the in-sample part that scales MASE and
MSIS).

- MASE: per series, the mean absolute error over the mean absolute error of
  the in-sample seasonal naive forecast (lag `season`, 1 for none; Hyndman
  and Koehler 2006), averaged over series.
- sMAPE: 200 |y - f| / (|y| + |f|) averaged over every point (0 where both
  are 0), in percent.
- RMSE: over every point, in original units.
- WQL: the weighted quantile loss, 2 * sum of pinball losses over every
  point / sum |y|, averaged over the levels (fev and GluonTS's mean wQL;
  the levels 0.1, ..., 0.9 by convention).
- MSIS: per series, the mean interval score of the central `1 - alpha`
  interval (Gneiting and Raftery 2007; the M4 competition's alpha 0.05) over
  the same scale as MASE, averaged over series.
- coverage: the share of points inside the central interval between two
  levels.
"""

import numpy as np

from zoo._errors import InputError

WQL_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def seasonal_scale(history, season=1):
    """The in-sample mean absolute error of the seasonal naive forecast, or
    None for a series too short for one (or a constant one)."""
    history = np.asarray(history, dtype="float64")
    lag = season or 1
    if len(history) <= lag:
        return None
    value = float(np.mean(np.abs(history[lag:] - history[:-lag])))
    return value if value > 0 else None


def mase(actual, forecast, history, season=1):
    """Mean over series of MAE / in-sample seasonal naive MAE; series without
    a scale (too short, or constant) are left out; None if every one is."""
    values = []
    for y, f, past in zip(actual, forecast, history, strict=True):
        scale = seasonal_scale(past, season)
        if scale is not None:
            values.append(np.mean(np.abs(np.asarray(y) - np.asarray(f))) / scale)
    return float(np.mean(values)) if values else None


def smape(actual, forecast):
    y, f = _flat(actual), _flat(forecast)
    denominator = np.abs(y) + np.abs(f)
    ratio = np.divide(2 * np.abs(y - f), denominator, out=np.zeros_like(y), where=denominator > 0)
    return float(np.mean(ratio) * 100)


def rmse(actual, forecast):
    return float(np.sqrt(np.mean((_flat(actual) - _flat(forecast)) ** 2)))


def pinball(actual, predicted, level):
    """Elementwise pinball (quantile) loss of `predicted` at `level`."""
    error = np.asarray(actual, dtype="float64") - np.asarray(predicted, dtype="float64")
    return np.maximum(level * error, (level - 1) * error)


def wql(actual, quantiles, levels, use=WQL_LEVELS):
    """Mean over the levels in `use` of 2 * sum(pinball) / sum|y|."""
    columns = _columns(levels, use)
    y = _flat(actual)
    total = np.sum(np.abs(y))
    if total == 0:
        return None
    q = np.concatenate([np.asarray(p, dtype="float64") for p in quantiles])
    losses = [2 * np.sum(pinball(y, q[:, c], level)) / total for c, level in columns]
    return float(np.mean(losses))


def msis(actual, quantiles, levels, history, season=1, alpha=0.05):
    """Mean over series of the scaled interval score of the central
    `1 - alpha` interval (the levels alpha/2 and 1 - alpha/2)."""
    (low, _), (high, _) = _columns(levels, (alpha / 2, 1 - alpha / 2))
    values = []
    for y, q, past in zip(actual, quantiles, history, strict=True):
        scale = seasonal_scale(past, season)
        if scale is None:
            continue
        y, q = np.asarray(y, dtype="float64"), np.asarray(q, dtype="float64")
        lower, upper = q[:, low], q[:, high]
        score = (
            (upper - lower)
            + 2 / alpha * (lower - y) * (y < lower)
            + 2 / alpha * (y - upper) * (y > upper)
        )
        values.append(np.mean(score) / scale)
    return float(np.mean(values)) if values else None


def coverage(actual, quantiles, levels, low, high):
    """The share of points inside [quantile `low`, quantile `high`]."""
    (a, _), (b, _) = _columns(levels, (low, high))
    y = _flat(actual)
    q = np.concatenate([np.asarray(p, dtype="float64") for p in quantiles])
    return float(np.mean((y >= q[:, a]) & (y <= q[:, b])))


def scores(actual, forecast, quantiles, levels, history, season=1):
    """Every metric of a forecast, under the keys the recipes write
    (`test_mase`, ...); interval metrics are None without the levels they need."""
    result = {
        "test_mase": mase(actual, forecast, history, season),
        "test_smape": smape(actual, forecast),
        "test_rmse": rmse(actual, forecast),
    }
    interval = {
        "test_wql": lambda: wql(actual, quantiles, levels),
        "test_msis": lambda: msis(actual, quantiles, levels, history, season),
        "test_coverage_80": lambda: coverage(actual, quantiles, levels, 0.1, 0.9),
        "test_coverage_95": lambda: coverage(actual, quantiles, levels, 0.025, 0.975),
    }
    for key, compute in interval.items():
        try:
            result[key] = None if quantiles is None else compute()
        except InputError:
            result[key] = None
    return result


def _flat(arrays):
    return np.concatenate([np.ravel(np.asarray(a, dtype="float64")) for a in arrays])


def _columns(levels, wanted):
    """[(column, level)] of each wanted level in `levels` (to 1e-9)."""
    levels = np.asarray(levels, dtype="float64")
    found = []
    for level in wanted:
        match = np.flatnonzero(np.abs(levels - level) < 1e-9)
        if not len(match):
            raise InputError(f"no quantile at level {level:g}; the levels are {levels.tolist()}")
        found.append((int(match[0]), level))
    return found
