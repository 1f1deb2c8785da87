"""Train an LSTM forecaster (or series-to-number regressor) and compare it with baselines.

Forecasting (default: the bundled yearly sunspot numbers): `--data FILE.csv` with
one column per series; `--window` past rows of the target (and `--features`)
columns predict the next `--horizon` rows of the target columns. The split is
chronological, scalers see training rows only, and every metric is in original
units beside persistence, seasonal-naive and linear-model baselines.

Series-to-number: `--train FILE [--test FILE]`, `.npz` (`x`, numeric `y`) or `.ts`
with `@targetLabel true`; baselines are the training mean and a linear model.

    KERAS_BACKEND=jax python -m recipes.regress
    KERAS_BACKEND=torch python -m recipes.regress --data prices.csv --target close \\
        --features open,volume --date-column date --window 30 --horizon 5
"""

import math

import keras
import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import train_test_split

from recipes import _common as common
from zoo import data

METRICS = ["test_rmse", "test_mae", "test_mape", "test_smape"]
BUNDLED = {"target": "SUNACTIVITY", "date_column": "YEAR", "season": 11}


def parse_args(argv=None):
    p = common.parser(
        __doc__.splitlines()[0],
        "regress",
        default_model="stacked_lstm",
        default_dropout=0.2,
        default_batch_size=16,
    )
    common.data_flags(
        p,
        data_help="CSV of series, one column each (default: bundled sunspots)",
        train_help="series-to-number training file: .npz or .ts",
        target_help="column(s) to predict, comma-separated",
        window=20,
        test_size=0.2,
        val_size=0.15,
    )
    p.add_argument("--features", type=common.names, default=(), help="other input column(s)")
    p.add_argument("--horizon", type=common.positive_int, default=1, help="future rows to predict")
    p.add_argument("--season", type=common.positive_int, help="season length in rows")
    p.add_argument(
        "--predict",
        choices=data.PREDICT,
        default="change",
        help="model the change from the last observed value, or the value itself",
    )
    p.add_argument(
        "--head-units", type=common.int_tuple, default=(), help="hidden Dense widths, e.g. 32"
    )
    p.add_argument("--forecast", type=common.positive_int, help="predict N rows past the data")
    args = p.parse_args(argv)
    if args.data and args.train:
        p.error("give --data (forecasting) or --train (series-to-number), not both")
    if args.test and not args.train:
        p.error("--test needs --train")
    if args.train and args.forecast:
        p.error("--forecast needs forecasting data (--data), not --train")
    args.scaler = None if args.scaler == "none" else args.scaler
    if not args.data and not args.train:  # the bundled default run
        args.target = args.target or (BUNDLED["target"],)
        args.date_column = args.date_column or BUNDLED["date_column"]
        if args.season is None:
            args.season = BUNDLED["season"]
    return args


# === Metrics ===


def scores(y_true, y_pred):
    """RMSE, MAE, MAPE (%, over nonzero true values) and sMAPE (%), all flattened."""
    y_true, y_pred = np.ravel(y_true).astype("float64"), np.ravel(y_pred).astype("float64")
    nonzero = y_true != 0
    mape = (
        float(np.mean(np.abs((y_true - y_pred)[nonzero] / y_true[nonzero])) * 100)
        if nonzero.any()
        else None
    )
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(
        2 * np.abs(y_true - y_pred),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return {
        "test_rmse": float(root_mean_squared_error(y_true, y_pred)),
        "test_mae": float(mean_absolute_error(y_true, y_pred)),
        "test_mape": mape,
        "test_smape": float(np.mean(ratio) * 100),
    }


def mape_note(y_true):
    zeros = int(np.sum(np.ravel(y_true) == 0))
    if not zeros:
        return None
    return f"MAPE skips the {zeros} of {np.size(y_true)} test values that are 0"


# === Baselines ===


def persistence(targets, rows, horizon):
    """Every future step predicted as the last observed value."""
    return np.repeat(targets[rows - 1][:, None, :], horizon, axis=1)


def seasonal_naive(targets, rows, horizon, season):
    """Step h predicted as the latest observed value one or more seasons earlier."""
    steps = np.arange(horizon)
    source = rows[:, None] + steps - season * np.ceil((steps + 1) / season).astype(int)
    if source.min() < 0:
        raise common.BadInput(f"--season {season} reaches before the first row")
    return targets[source]


def linear_model(split):
    """A ridge regression on the same scaled windows, flattened."""
    ridge = Ridge(alpha=1.0).fit(_flat(split.x_train), _flat(split.y_train))
    return split.original(ridge.predict(_flat(split.x_test)).reshape(split.y_test.shape), "test")


# === Forecasting ===


def load_series(args):
    table, name = common.series_table(args, lambda: (data.load_sunspots(), "sunspots (bundled)"))
    overlap = set(args.features) & set(args.target)
    if overlap:
        raise common.BadInput(f"--features repeats target column(s) {sorted(overlap)}")
    targets = table.columns(list(args.target), "--target")
    inputs = table.columns(list(args.target) + list(args.features), "--features")
    return table, name, inputs, targets


def forecast(args):
    table, dataset, inputs, targets = load_series(args)
    split = data.forecasting_data(
        inputs,
        targets,
        window=args.window,
        horizon=args.horizon,
        stride=args.stride,
        test_size=args.test_size,
        val_size=args.val_size,
        scaler=args.scaler,
        predict=args.predict,
    )
    if len(split.x_val) == 0:
        raise common.BadInput("no validation windows: raise --val-size for early stopping")
    n_targets = targets.shape[1]
    model = _compiled_model(args, (args.window, inputs.shape[1]), args.horizon * n_targets)
    print(
        f"{dataset}: {len(targets)} rows; {len(split.x_train)} train, {len(split.x_val)} "
        f"validation, {len(split.x_test)} test windows of {args.window} steps x "
        f"{inputs.shape[1]} inputs -> {args.horizon} steps x {n_targets} targets; "
        f"backend {keras.backend.backend()}"
    )
    history, seconds = common.train(
        model, split.x_train, _flat(split.y_train), (split.x_val, _flat(split.y_val)), args
    )

    # validation and test windows in one call: the test part is scored, both are plotted
    both = model.predict(np.concatenate([split.x_val, split.x_test]), verbose=0)
    both = both.reshape(len(both), args.horizon, n_targets)
    predicted_val = split.original(both[: len(split.x_val)], "val")
    predicted = split.original(both[len(split.x_val) :], "test")
    true = split.original(split.y_test, "test")
    references = {
        "persistence": persistence(targets, split.rows_test, args.horizon),
        "linear model (ridge)": linear_model(split),
    }
    if args.season:
        references["seasonal naive"] = seasonal_naive(
            targets, split.rows_test, args.horizon, args.season
        )
    results = scores(true, predicted)
    reference = {name: scores(true, values) for name, values in references.items()}
    extra = {
        "test_rmse_per_step": [
            float(root_mean_squared_error(true[:, h].ravel(), predicted[:, h].ravel()))
            for h in range(args.horizon)
        ],
        "mape_note": mape_note(true),
        "window": args.window,
        "horizon": args.horizon,
        "season": args.season,
        "predict": args.predict,
        "target": list(args.target),
        "features": list(args.features),
        "test_windows": len(true),
    }
    times = table.dates if table.dates is not None else np.arange(len(targets)).astype(str)
    rows = [
        (times[r + h], name, h + 1, true[i, h, k], predicted[i, h, k])
        for i, r in enumerate(split.rows_test)
        for h in range(args.horizon)
        for k, name in enumerate(args.target)
        if r + h < len(times)
    ]
    common.write_csv(
        args.out / "predictions.csv", ["time", "target", "step", "true", "predicted"], rows
    )
    _plot_forecast(args, split, targets, times, predicted_val, predicted, references["persistence"])
    if args.forecast:
        _forecast_beyond(args, model, split, times)
    return model, dataset, history, seconds, results, reference, extra


def _forecast_beyond(args, model, split, times):
    """The next `--forecast` rows after the data, rolling predictions forward."""
    if args.forecast > args.horizon and args.features:
        raise common.BadInput(
            f"--forecast {args.forecast} is beyond --horizon {args.horizon}, which needs "
            "future values of --features; forecast at most --horizon rows or drop --features"
        )
    recent = split.scaled_inputs[-args.window :]
    last = split.scaled_targets[-1]  # the last observed target values, scaled
    predictions = []
    while len(predictions) < args.forecast:
        window = data.relative(recent[None]) if split.predict == "change" else recent[None]
        step = model.predict(window, verbose=0).reshape(args.horizon, -1)
        base = last if split.predict == "change" else 0.0
        values = split.original(step[None], base=base)[0]
        predictions.extend(values)
        # the targets are the inputs here (no --features): feed predictions back
        recent = np.concatenate([recent, split.input_scaler.transform(values)])[-args.window :]
        recent = recent.astype("float32")
        last = split.target_scaler.transform(values)[-1]
    predictions = np.array(predictions[: args.forecast])
    header = ["step", "time"] + list(args.target)
    future = _future_times(times, args.forecast)
    common.write_csv(
        args.out / "forecast.csv",
        header,
        [(i + 1, future[i], *row) for i, row in enumerate(predictions)],
    )


def _future_times(times, count):
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


def _plot_forecast(args, split, targets, times, predicted_val, predicted_test, persistence_test):
    """Actual series against one-step-ahead predictions, with the split marked."""
    figure = common.new_figure(nrows=min(len(args.target), 4), width=11, height=3.5)
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
        ax.set_ylabel(args.target[k])
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    figure.axes[-1].set_xlabel(args.date_column or "row")
    common.save_figure(args.out / "forecast.png", figure)


# === Series-to-number ===


def series_to_number(args):
    x_train, y_train = data.load(args.train)
    if args.test:
        x_test, y_test = data.load(args.test)
        data.check_compatible(args.train, x_train, args.test, x_test)
    else:
        x_train, x_test, y_train, y_test = train_test_split(
            x_train, y_train, test_size=0.25, random_state=args.seed
        )
    y_train, y_test = _numeric(y_train, args.train), _numeric(y_test, args.test or args.train)
    x_train, x_test = data.same_length(x_train, x_test)
    target_scaler = data.make_scaler(args.scaler).fit(y_train[:, None])
    x_train, x_test = common.scaled_sequences(args.scaler, x_train, x_train, x_test)
    x_train, padded_train = data.prepare(x_train, normalize=None)
    x_test, padded_test = data.prepare(x_test, normalize=None)
    padded = padded_train or padded_test
    scaled_y = target_scaler.transform(y_train[:, None])
    x_fit, x_val, y_fit, y_val = train_test_split(
        x_train, scaled_y, test_size=0.2, random_state=args.seed
    )
    timesteps = None if padded else x_train.shape[1]
    model = _compiled_model(args, (timesteps, x_train.shape[2]), 1, masking=padded)
    print(
        f"{args.train}: {len(x_fit)} train, {len(x_val)} validation, {len(x_test)} test "
        f"series of {x_train.shape[1]} steps x {x_train.shape[2]} features; "
        f"backend {keras.backend.backend()}"
    )
    history, seconds = common.train(model, x_fit, y_fit, (x_val, y_val), args)
    unscale = lambda y: target_scaler.inverse_transform(np.reshape(y, (-1, 1)))[:, 0]  # noqa: E731
    predicted = unscale(model.predict(x_test, verbose=0))
    flat_train, flat_test = data.flatten_for_baseline(x_train), data.flatten_for_baseline(x_test)
    reference = {
        "training mean": scores(
            y_test, DummyRegressor().fit(flat_train, y_train).predict(flat_test)
        ),
        "linear model (ridge)": scores(
            y_test, unscale(Ridge(alpha=1.0).fit(flat_train, scaled_y).predict(flat_test))
        ),
    }
    results = scores(y_test, predicted)
    common.write_csv(
        args.out / "predictions.csv",
        ["index", "true", "predicted"],
        [(i, t, p) for i, (t, p) in enumerate(zip(y_test, predicted, strict=True))],
    )
    figure = common.new_figure(width=5, height=5)
    ax = figure.axes[0]
    ax.scatter(y_test, predicted, s=10)
    low, high = min(y_test.min(), predicted.min()), max(y_test.max(), predicted.max())
    ax.plot([low, high], [low, high], color="black", lw=1)
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.set_title(f"{args.model}: test RMSE {results['test_rmse']:.4g}")
    common.save_figure(args.out / "predictions.png", figure)
    extra = {"mape_note": mape_note(y_test), "test_series": len(y_test)}
    return model, str(args.train), history, seconds, results, reference, extra


def _numeric(y, path):
    try:
        return np.asarray(y, dtype="float64")
    except (TypeError, ValueError):
        raise common.BadInput(
            f"{path}: the targets are not numbers (found {y[:3].tolist()}); "
            "use recipes.classify for class labels"
        ) from None


# === Shared ===


def _compiled_model(args, input_shape, outputs, masking=False):
    return common.compiled_model(
        args,
        input_shape,
        loss="mse",
        metrics=["mae"],
        masking=masking,
        head="regression",
        num_outputs=outputs,
        head_units=args.head_units,
    )


def _flat(windows):
    """(n, horizon, targets) as (n, horizon * targets), the model's output layout."""
    return windows.reshape(len(windows), -1)


def main(argv=None):
    args = parse_args(argv)
    with common.distributed(args):  # one device, or --distribute's data parallelism
        regress(args)


def regress(args):
    common.seed_everything(args.seed)
    task = series_to_number if args.train else forecast
    model, dataset, history, seconds, results, reference, extra = task(args)

    rows = [{"name": args.model, **results}]
    rows += [{"name": name, **values} for name, values in reference.items()]
    common.print_table("Test set, original units (MAPE and sMAPE in %)", rows, METRICS)
    if extra.get("mape_note"):
        print(f"note: {extra['mape_note']}")
    best = min(reference.items(), key=lambda item: item[1]["test_rmse"])
    ratio = results["test_rmse"] / best[1]["test_rmse"] if best[1]["test_rmse"] else math.inf
    print(f"model RMSE / best baseline ({best[0]}) RMSE: {ratio:.3f}")
    metrics = {
        **results,
        "baselines": reference,
        "model": args.model,
        "dataset": dataset,
        "task": "series-to-number" if args.train else "forecasting",
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **extra,
        **common.environment(args),
    }
    common.save_run(args, model, history, metrics, curve_metric="mae")


if __name__ == "__main__":
    common.run(main)
