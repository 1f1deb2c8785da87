"""The windowed forecaster's metrics, baselines and plots (recipes._windowed)."""

import warnings

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from recipes import _plots
from zoo import InputError, data

# === Metrics ===


def scores(y_true, y_pred, mase_scale):
    """RMSE, MAE, MASE (MAE over `mase_scale`), MAPE (%, over nonzero true
    values) and sMAPE (%), all flattened."""
    y_true, y_pred = np.ravel(y_true).astype("float64"), np.ravel(y_pred).astype("float64")
    nonzero = y_true != 0
    mape = None
    if nonzero.any():
        mape = float(np.mean(np.abs((y_true - y_pred)[nonzero] / y_true[nonzero])) * 100)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(
        2 * np.abs(y_true - y_pred),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    mae = float(mean_absolute_error(y_true, y_pred))
    return {
        "test_rmse": float(root_mean_squared_error(y_true, y_pred)),
        "test_mae": mae,
        "test_mase": mae / mase_scale if mase_scale else None,
        "test_mape": mape,
        "test_smape": float(np.mean(ratio) * 100),
    }


def mase_scale(train_targets, season=None):
    """The in-sample MAE of the (seasonal) naive one-step forecast on the
    training rows (Hyndman and Koehler 2006): MASE below 1 beats it."""
    lag = season or 1
    if len(train_targets) <= lag:
        return None
    return float(np.mean(np.abs(train_targets[lag:] - train_targets[:-lag]))) or None


def rmse_per_step(true, predicted):
    return [
        float(root_mean_squared_error(true[:, h].ravel(), predicted[:, h].ravel()))
        for h in range(true.shape[1])
    ]


# === Baselines ===


def persistence(targets, rows, horizon):
    """Every future step predicted as the last observed value."""
    return np.repeat(targets[rows - 1][:, None, :], horizon, axis=1)


def seasonal_naive(targets, rows, horizon, season):
    """Step h predicted as the latest observed value one or more seasons earlier."""
    source = data.seasonal_sources(rows, horizon, season)
    if source.min() < 0:
        raise InputError(
            f"--season {season} reaches before the first row for the first test window"
        )
    return targets[source]


def seasonal_beats_persistence(train_targets, horizon, season):
    """Whether seasonal naive forecasts the training rows better than
    persistence (mean absolute error over every horizon step): a fixed season,
    like months in a year, passes; a cycle of varying length, like sunspots',
    does not."""
    rows = np.arange(season, len(train_targets) - horizon + 1)
    if len(rows) == 0:
        return False
    future = train_targets[rows[:, None] + np.arange(horizon)]
    naive = np.abs(future - train_targets[data.seasonal_sources(rows, horizon, season)]).mean()
    last = np.abs(future - train_targets[rows - 1][:, None]).mean()
    return bool(naive < last)


def ridge(split):
    """A ridge regression on the same scaled windows, flattened."""
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    model = Ridge(alpha=1.0).fit(flat(split.x_train), flat(split.y_train))
    return split.original(model.predict(flat(split.x_test)).reshape(split.y_test.shape), "test")


def exponential_smoothing(targets, split, horizon, season):
    """Holt-Winters (statsmodels) fit once on the rows before the test part, then
    run from every test window's origin with those parameters; None without
    statsmodels."""
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        return None
    predictions = np.zeros((len(split.rows_test), horizon, targets.shape[1]))
    for k in range(targets.shape[1]):
        history = targets[: split.val_end, k]
        seasonal = None
        if season and len(history) >= 2 * season:
            seasonal = "mul" if history.min() > 0 else "add"
        options = dict(
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=season if seasonal else None,
            initialization_method="estimated",
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = ExponentialSmoothing(history, **options).fit()
            params = {
                key: fitted.params[key]
                for key in (
                    "smoothing_level",
                    "smoothing_trend",
                    "smoothing_seasonal",
                    "damping_trend",
                )
                if key in fitted.params
                and fitted.params[key] is not None
                and np.isfinite(fitted.params[key])
            }
            for i, origin in enumerate(split.rows_test):
                refit = ExponentialSmoothing(targets[:origin, k], **options).fit(
                    optimized=False, **params
                )
                predictions[i, :, k] = refit.forecast(horizon)
    return predictions


def baselines(split, targets, horizon, season):
    references = {
        "persistence": persistence(targets, split.rows_test, horizon),
        "linear model (ridge)": ridge(split),
    }
    if season:
        references["seasonal naive"] = seasonal_naive(targets, split.rows_test, horizon, season)
    smoothed = exponential_smoothing(targets, split, horizon, season)
    if smoothed is not None:
        references["exponential smoothing (statsmodels)"] = smoothed
    return references


# === Beyond the data ===


def beyond(model, split, window, horizon, count):
    """The next `count` rows after the data, rolling predictions forward (the
    targets are the inputs here: no other input columns)."""
    inputs = list(split.scaled_inputs)
    targets = list(split.scaled_targets)
    predictions = []
    while len(predictions) < count:
        recent = np.asarray(inputs[-window:], dtype="float32")[None]
        if split.predict != "level":
            recent = data.relative(recent)
        step = model.predict(recent, verbose=0).reshape(1, horizon, -1)
        history = np.asarray(targets)
        if split.predict == "seasonal":
            base = history[data.seasonal_sources(np.array([len(history)]), horizon, split.season)]
        elif split.predict == "change":
            base = history[-1][None, None, :]
        else:
            base = np.zeros((1, 1, history.shape[1]))
        values = split.original(step, base=base)[0]
        predictions.extend(values)
        targets.extend(split.scale_targets(values))
        inputs.extend(split.scale_inputs(values))
    return np.array(predictions[:count])


def future_times(times, count):
    """Times after the last one when they are evenly spaced numbers; else blanks."""
    try:
        numbers = np.array([float(t) for t in times])
    except ValueError:
        return [""] * count
    gaps = np.diff(numbers)
    if len(gaps) == 0 or not np.allclose(gaps, gaps[0]):
        return [""] * count
    future = numbers[-1] + gaps[0] * np.arange(1, count + 1)
    return [int(t) if float(t).is_integer() else float(t) for t in future]


def plot(path, split, targets, times, predictions, *, names, x_label):
    """Actual series against one-step-ahead predictions, with the split marked."""
    predicted_val, predicted_test, persistence_test = predictions
    figure = _plots.new_figure(nrows=min(len(names), 4), width=11, height=3.5)
    try:
        axis = np.array([float(t) for t in times])
    except ValueError:
        axis = np.arange(len(times))
    rows = np.concatenate([split.rows_val, split.rows_test])
    predicted = np.concatenate([predicted_val, predicted_test])
    for k, ax in enumerate(figure.axes):
        ax.plot(axis, targets[:, k], color="black", lw=1, label="actual")
        ax.plot(axis[rows], predicted[:, 0, k], color="tab:blue", label="model, 1 step ahead")
        ax.plot(
            axis[split.rows_test],
            persistence_test[:, 0, k],
            color="tab:gray",
            ls="--",
            lw=0.8,
            label="persistence",
        )
        for boundary, label in ((split.train_end, "validation"), (split.val_end, "test")):
            ax.axvline(axis[boundary], color="tab:red", ls=":", lw=1)
            ax.text(axis[boundary], ax.get_ylim()[1], f" {label}", va="top", color="tab:red")
        ax.set_ylabel(names[k])
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    figure.axes[-1].set_xlabel(x_label)
    _plots.save_figure(path, figure)
