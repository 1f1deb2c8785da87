"""The classical forecasts a panel forecast is judged against, each with quantiles.

- seasonal naive: step h repeats the last value one season back (the last
  value without a season), its quantiles the empirical quantiles of the
  series' own in-sample h-step seasonal naive errors (a series too short
  for them borrows the pooled errors of the panel, scaled);
- exponential smoothing (AutoETS), ARIMA (AutoARIMA) and Theta (AutoTheta)
  per series through statsforecast (Nixtla), with the model's own
  prediction intervals as quantiles: the implementations behind the
  published M1 figures that `recipes.benchmark` sets beside the zoo's.

Every function takes the training parts of the series (a list of 1-D
arrays), the horizon, the season and the quantile levels, and returns
`(point, quantiles)`: lists of (h,) and (h, q) arrays in original units.
"""

import warnings

import numpy as np

STATISTICAL = {"ets": "AutoETS", "arima": "AutoARIMA", "theta": "AutoTheta"}
NAMES = {
    "snaive": "seasonal naive",
    "ets": "exponential smoothing (AutoETS)",
    "arima": "ARIMA (AutoARIMA)",
    "theta": "Theta (AutoTheta)",
}
DEFAULT = ("snaive", "ets", "arima", "theta")


def seasonal_naive(histories, horizon, season, levels):
    """Seasonal naive forecasts and empirical quantiles of their errors."""
    lag = season or 1
    steps = np.arange(horizon)
    points, errors = [], []
    for values in histories:
        values = np.asarray(values, dtype="float64")
        if len(values) >= lag:
            point = values[len(values) + steps - lag * (steps // lag + 1)]
        else:  # shorter than a season: the last value
            point = np.full(horizon, values[-1])
        points.append(point)
        errors.append(_in_sample_errors(values, horizon, lag))
    pooled = _pooled(errors, histories, horizon)
    quantiles = []
    for point, own, values in zip(points, errors, histories, strict=True):
        level = np.mean(np.abs(values)) or 1.0
        table = own if own is not None else pooled * level
        quantiles.append(point[:, None] + np.quantile(table, levels, axis=0).T)
    return points, quantiles


def _in_sample_errors(values, horizon, lag):
    """(n, horizon) errors of the seasonal naive forecast from every origin of
    `values` with a whole horizon after it; None when there are fewer than 2."""
    steps = np.arange(horizon)
    back = lag * (steps // lag + 1)
    origins = np.arange(lag, len(values) - horizon + 1)
    if len(origins) < 2:
        return None
    return values[origins[:, None] + steps] - values[origins[:, None] + steps - back]


def _pooled(errors, histories, horizon):
    """Every series' errors over its mean |y|: the shape borrowed by short series."""
    parts = [
        e / (np.mean(np.abs(v)) or 1.0)
        for e, v in zip(errors, histories, strict=True)
        if e is not None
    ]
    return np.concatenate(parts) if parts else np.zeros((1, horizon))


def statistical(name, histories, horizon, season, levels):
    """`name` ("ets", "arima" or "theta") fit per series by statsforecast;
    None when statsforecast is not installed."""
    try:
        import pandas as pd
        import statsforecast
        from statsforecast import models as sf_models
    except ImportError:
        return None
    model = getattr(sf_models, STATISTICAL[name])(season_length=season or 1)
    widths = sorted({int(round(abs(q - 0.5) * 200)) for q in levels if abs(q - 0.5) > 1e-9})
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(len(histories)), [len(h) for h in histories]),
            "ds": np.concatenate([np.arange(len(h)) for h in histories]),
            "y": np.concatenate([np.asarray(h, dtype="float64") for h in histories]),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster = statsforecast.StatsForecast(models=[model], freq=1, n_jobs=1)
        found = forecaster.forecast(df=frame, h=horizon, level=widths)
    found = found.sort_values(["unique_id", "ds"])
    column = STATISTICAL[name]
    points, quantiles = [], []
    for _, rows in found.groupby("unique_id", sort=True):
        point = rows[column].to_numpy(dtype="float64")
        table = []
        for q in levels:
            width = int(round(abs(q - 0.5) * 200))
            if width == 0:
                table.append(point)
            else:
                side = "lo" if q < 0.5 else "hi"
                table.append(rows[f"{column}-{side}-{width}"].to_numpy(dtype="float64"))
        table = np.sort(np.stack(table, axis=1), axis=1)
        point, table = _finite_or_naive(point, table, histories[len(points)])
        points.append(point)
        quantiles.append(table)
    return points, quantiles


def _finite_or_naive(point, table, history):
    """A model that failed on a series (non-finite output) gives way to the
    last value with the spread of its differences."""
    if np.all(np.isfinite(point)) and np.all(np.isfinite(table)):
        return point, table
    last = float(np.asarray(history)[-1])
    spread = np.std(np.diff(history)) if len(history) > 2 else abs(last) * 0.1
    point = np.full(len(point), last)
    steps = np.sqrt(np.arange(1, len(point) + 1))[:, None]
    return point, point[:, None] + steps * spread * np.linspace(-2, 2, table.shape[1])[None]


def forecasts(names, histories, horizon, season, levels):
    """{display name: (point, quantiles)} of every baseline in `names` that runs here."""
    found = {}
    for name in names:
        if name == "snaive":
            found[NAMES[name]] = seasonal_naive(histories, horizon, season, levels)
        else:
            result = statistical(name, histories, horizon, season, levels)
            if result is not None:
                found[NAMES[name]] = result
    return found
