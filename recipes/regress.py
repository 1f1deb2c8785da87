"""Train an LSTM forecaster (or series-to-number regressor) and compare it with baselines.

Forecasting (default: the bundled yearly sunspot numbers): `--data FILE.csv` with
one column per series, or `--dataset NAME` (a series aeon ships: Airline, Lynx,
PBS, ShampooSales); `--window` past rows of the target (and `--features`)
columns predict the next `--horizon` rows of the target columns. The split is
chronological, scalers see training rows only, and every metric is in original
units beside persistence, seasonal-naive, linear-model and exponential-smoothing
baselines.

Series-to-number: `--train FILE [--test FILE]`, `.npz` (`x`, numeric `y`) or `.ts`
with `@targetLabel true`, or `--dataset NAME` (a TSER set, e.g. Covid3Month);
baselines are the training mean and a linear model.

    KERAS_BACKEND=jax python -m recipes.regress
    python -m recipes.regress --dataset Airline --horizon 12
    KERAS_BACKEND=torch python -m recipes.regress --data prices.csv --target close \\
        --features open,volume --date-column date --window 30 --horizon 5
"""

import math

import keras
import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

import zoo
import zoo.training
from recipes import _artifacts, _cli, _data, _forecasting, _plots, _run, _training
from zoo import data
from zoo._errors import InputError
from zoo.data._published import FORECASTING, load_published, load_published_series

METRICS = ["test_rmse", "test_mae", "test_mase", "test_smape"]
BUNDLED = {"target": "SUNACTIVITY", "date_column": "YEAR", "season": 11}


def parse_args(argv=None):
    p = _cli.parser(
        __doc__.splitlines()[0],
        "regress",
        task="regression",
        default_model="stacked_lstm",
        default_units=(64, 64),
        dropout=0.2,
    )
    _cli.series_flags(
        p,
        data_help="CSV of series, one column each (default: bundled sunspots)",
        target_help="column(s) to predict, comma-separated",
        window=20,
        test_size=0.2,
        val_size=0.15,
    )
    p.add_argument("--dataset", help="a series aeon ships (forecasting) or a TSER dataset")
    p.add_argument("--train", help="series-to-number training file: .npz or .ts")
    p.add_argument("--test", help="test file (default: 25%% of --train)")
    p.add_argument("--features", type=_cli.names, default=(), help="other input column(s)")
    p.add_argument("--horizon", type=_cli.positive_int, default=1, help="future rows to predict")
    p.add_argument("--season", type=_cli.positive_int, help="season length in rows")
    p.add_argument(
        "--predict",
        choices=("auto", *data.PREDICT),
        default="auto",
        help="what the model predicts: the difference from the seasonal-naive forecast "
        "(seasonal), the change from the last observed value (change), or the value itself "
        "(level); auto: seasonal when --season is given and seasonal naive beats "
        "persistence on the training rows, else change",
    )
    p.add_argument(
        "--transform",
        choices=("auto", "log", "none"),
        default="auto",
        help="model the logarithm of the series (log); auto: log when auto picks seasonal and "
        "the values are all positive (multiplicative seasonality becomes additive)",
    )
    p.add_argument(
        "--head-units", type=_cli.int_tuple, default=(), help="hidden Dense widths, e.g. 32"
    )
    p.add_argument("--forecast", type=_cli.positive_int, help="predict N rows past the data")
    args = p.parse_args(argv)
    if sum(bool(v) for v in (args.data, args.train, args.dataset)) > 1:
        p.error("give one of --data (forecasting), --dataset or --train (series-to-number)")
    if args.test and not args.train:
        p.error("--test needs --train")
    if args.train and args.forecast:
        p.error("--forecast needs forecasting data (--data), not --train")
    if args.forecast and args.features and args.forecast > args.horizon:
        p.error(
            f"--forecast {args.forecast} is beyond --horizon {args.horizon}, which needs "
            "future values of --features; forecast at most --horizon rows or drop --features"
        )
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    series = args.train is None and (args.dataset is None or args.dataset in FORECASTING)
    with _training.devices_scope(args.distribute, args.batch_size) as devices:
        # after the device check: a refused --distribute leaves no output folder
        state = _training.start(args.out, resume=args.resume, flags=_cli.resume_flags(args))
        policy = _cli.policy_from(args, devices)
        if series:
            outcome = forecast(args, policy=policy, state=state, devices=devices)
        else:
            outcome = series_to_number(args, policy=policy, state=state, devices=devices)

    # === Report ===
    rows = [{"name": outcome.name, **outcome.results}]
    rows += [{"name": name, **values} for name, values in outcome.reference.items()]
    _plots.print_table("Test set, original units (sMAPE in %)", rows, METRICS)
    best = min(outcome.reference.items(), key=lambda item: item[1]["test_rmse"])
    rmse = outcome.results["test_rmse"]
    ratio = rmse / best[1]["test_rmse"] if best[1]["test_rmse"] else math.inf
    print(f"model RMSE / best baseline ({best[0]}) RMSE: {ratio:.3f}")
    metrics = {
        **outcome.results,
        "baselines": outcome.reference,
        "model": args.model,
        "ensemble": args.ensemble,
        "dataset": outcome.dataset,
        "task": "forecasting" if series else "series-to-number",
        "epochs_run": len(outcome.history.get("epoch", [])),
        "train_seconds": round(outcome.seconds, 2),
        **outcome.extra,
        **_artifacts.environment(args.seed, devices),
    }
    run = {
        "recipe": "regress",
        "model": args.model,
        "flags": _cli.resume_flags(args),
        **outcome.run,
    }
    _artifacts.save_run(
        args.out,
        outcome.model,
        outcome.history,
        metrics,
        curve_metric="mae",
        run=run,
        exports=args.export,
        timesteps=outcome.timesteps,
    )


def build_and_train(
    args, x, y, validation, *, input_shape, outputs, masking, policy, state, devices
):
    """The `--model` regressor trained under `policy` (an ensemble with `--ensemble`)."""

    def build():
        model = zoo.get_model(
            args.model,
            input_shape=input_shape,
            units=_cli.builder_units(args.model, args.units),
            dropout=args.dropout,
            masking=masking,
            mask_value=data.MASK_VALUE,
            head="regression",
            num_outputs=outputs,
            **({"head_units": args.head_units} if args.head_units else {}),
            **({"bidirectional": True} if args.bidirectional else {}),
        )
        return zoo.training.compile(model, policy, loss="mse", metrics=["mae"])

    model, history, seconds, _ = _training.ensemble(
        build,
        lambda model, member_state: _training.train(
            model, x, y, validation, policy=policy, state=member_state, devices=devices
        ),
        members=args.ensemble,
        seed=args.seed,
        state=state,
    )
    return model, history, seconds


# === Forecasting ===


def forecast(args, *, policy, state, devices):
    target, features, window, horizon = args.target, args.features, args.window, args.horizon
    season, date_column, out = args.season, args.date_column, args.out
    if args.dataset:
        values, season_found, unit = load_published_series(args.dataset)
        table = data.SeriesTable(
            path=args.dataset, names=[args.dataset], values={args.dataset: values[:, 0]}
        )
        dataset, target = f"{args.dataset} (aeon, one row per {unit})", (args.dataset,)
        season = season or season_found
    else:
        bundled = not args.data
        table, dataset, target = _data.series_table(
            args.data,
            date_column=date_column or (BUNDLED["date_column"] if bundled else None),
            fill=args.fill,
            target=target or ((BUNDLED["target"],) if bundled else None),
            default=lambda: (data.load_sunspots(), "sunspots (bundled)"),
        )
        if bundled:
            date_column, season = BUNDLED["date_column"], season or BUNDLED["season"]
    overlap = set(features) & set(target)
    if overlap:
        raise InputError(f"--features repeats target column(s) {sorted(overlap)}")
    targets = table.columns(list(target), "--target")
    inputs = table.columns(list(target) + list(features), "--features")
    train_rows = data.chronological_split(len(targets), args.test_size, args.val_size)[0]
    if season is not None and season >= train_rows:
        raise InputError(
            f"--season {season} is not shorter than the {train_rows} training rows (of "
            f"{len(targets)} rows)"
        )
    seasonal = bool(season) and _forecasting.seasonal_beats_persistence(
        targets[:train_rows], horizon, season
    )
    predict = args.predict if args.predict != "auto" else ("seasonal" if seasonal else "change")
    transform = None if args.transform == "none" else args.transform
    if transform == "auto":
        positive = min(inputs.min(), targets.min()) > 0
        transform = "log" if seasonal and positive else None
    if predict == "seasonal" and not season:
        raise InputError("--predict seasonal needs --season")
    split = data.forecasting_data(
        inputs,
        targets,
        window=window,
        horizon=horizon,
        stride=args.stride,
        test_size=args.test_size,
        val_size=args.val_size,
        scaler=None if args.scaler == "none" else args.scaler,
        predict=predict,
        season=season,
        transform=transform,
    )
    if len(split.x_val) == 0:
        raise InputError("no validation windows: raise --val-size for early stopping")
    if season is not None:
        _forecasting.seasonal_naive(targets, split.rows_test, horizon, season)  # checks reach
    n_targets = targets.shape[1]
    print(
        f"{dataset}: {len(targets)} rows; {len(split.x_train)} train, {len(split.x_val)} "
        f"validation, {len(split.x_test)} test windows of {window} steps x "
        f"{inputs.shape[1]} inputs -> {horizon} steps x {n_targets} targets; "
        f"backend {keras.backend.backend()}"
    )
    model, history, seconds = build_and_train(
        args,
        split.x_train,
        _flat(split.y_train),
        (split.x_val, _flat(split.y_val)),
        input_shape=(window, inputs.shape[1]),
        outputs=horizon * n_targets,
        masking=False,
        policy=policy,
        state=state,
        devices=devices,
    )

    # validation and test windows in one call: the test part is scored, both are plotted
    both = model.predict(np.concatenate([split.x_val, split.x_test]), verbose=0)
    both = both.reshape(len(both), horizon, n_targets)
    predicted_val = split.original(both[: len(split.x_val)], "val")
    predicted = split.original(both[len(split.x_val) :], "test")
    true = split.original(split.y_test, "test")
    references = _forecasting.baselines(split, targets, horizon, season)
    scale = _forecasting.mase_scale(targets[: split.train_end], season)
    results = _forecasting.scores(true, predicted, scale)
    reference = {name: _forecasting.scores(true, v, scale) for name, v in references.items()}
    extra = {
        "test_rmse_per_step": _forecasting.rmse_per_step(true, predicted),
        "window": window,
        "horizon": horizon,
        "season": season,
        "predict": predict,
        "transform": transform,
        "target": list(target),
        "features": list(features),
        "test_windows": len(true),
    }
    times = table.dates if table.dates is not None else np.arange(len(targets)).astype(str)
    _artifacts.write_csv(
        out / "predictions.csv",
        ["time", "target", "step", "true", "predicted"],
        [
            (times[r + h], name, h + 1, true[i, h, k], predicted[i, h, k])
            for i, r in enumerate(split.rows_test)
            for h in range(horizon)
            for k, name in enumerate(target)
            if r + h < len(times)
        ],
    )
    _forecasting.plot(
        out / "forecast.png",
        split,
        targets,
        times,
        (predicted_val, predicted, references["persistence"]),
        names=target,
        x_label=date_column or "row",
    )
    if args.forecast:  # beyond --horizon only without --features (parse_args)
        future = _forecasting.beyond(model, split, window, horizon, args.forecast)
        future_times = _forecasting.future_times(times, args.forecast)
        _artifacts.write_csv(
            out / "forecast.csv",
            ["step", "time", *target],
            [(i + 1, future_times[i], *row) for i, row in enumerate(future)],
        )
    run = {
        "task": "forecasting",
        "input": {
            "window": window,
            "columns": list(target) + list(features),
            "date_column": date_column,
            "fill": args.fill,
        },
        "preparation": {
            "target": list(target),
            "features": list(features),
            "horizon": horizon,
            "predict": predict,
            "season": season,
            "transform": transform,
            "input_scaler": _run.scaler_state(split.input_scaler),
            "target_scaler": _run.scaler_state(split.target_scaler),
        },
    }
    return _forecasting.Outcome(
        _name(args), model, dataset, history, seconds, results, reference, extra, run
    )


# === Series-to-number ===


def series_to_number(args, *, policy, state, devices):
    scaler, out, seed = None if args.scaler == "none" else args.scaler, args.out, args.seed
    if args.dataset:
        x_train, y_train, x_test, y_test = load_published(args.dataset, "regression")
        dataset = f"{args.dataset} (official split, via aeon)"
    else:
        x_train, y_train, x_test, y_test, dataset = _data.labelled(
            train=args.train,
            test=args.test,
            dataset=None,
            label_column=None,
            seed=seed,
            task="regression",
        )
    y_train, y_test = _numeric(y_train, dataset), _numeric(y_test, args.test or dataset)
    x_train, x_test = data.same_length(x_train, x_test)
    target_scaler = data.make_scaler(scaler).fit(y_train[:, None])
    input_scaler = _data.sequence_scaler(scaler, x_train)
    x_train, padded_train = prepare_sequences(x_train, input_scaler)
    x_test, padded_test = prepare_sequences(x_test, input_scaler)
    padded = padded_train or padded_test
    scaled_y = target_scaler.transform(y_train[:, None])
    x_fit, x_val, y_fit, y_val = train_test_split(
        x_train, scaled_y, test_size=0.2, random_state=seed
    )
    print(
        f"{dataset}: {len(x_fit)} train, {len(x_val)} validation, {len(x_test)} test "
        f"series of {x_train.shape[1]} steps x {x_train.shape[2]} features; "
        f"backend {keras.backend.backend()}"
    )
    model, history, seconds = build_and_train(
        args,
        x_fit,
        y_fit,
        (x_val, y_val),
        input_shape=(None if padded else x_train.shape[1], x_train.shape[2]),
        outputs=1,
        masking=padded,
        policy=policy,
        state=state,
        devices=devices,
    )
    unscale = lambda y: target_scaler.inverse_transform(np.reshape(y, (-1, 1)))[:, 0]  # noqa: E731
    predicted = unscale(model.predict(x_test, verbose=0))
    flat_train, flat_test = data.flatten_for_baseline(x_train), data.flatten_for_baseline(x_test)
    scale = float(np.mean(np.abs(y_train - y_train.mean()))) or 1.0  # MAE of the mean
    reference = {
        "training mean": _forecasting.scores(
            y_test, DummyRegressor().fit(flat_train, y_train).predict(flat_test), scale
        ),
        "linear model (ridge)": _forecasting.scores(
            y_test, unscale(Ridge(alpha=1.0).fit(flat_train, scaled_y).predict(flat_test)), scale
        ),
    }
    results = _forecasting.scores(y_test, predicted, scale)
    _artifacts.write_csv(
        out / "predictions.csv",
        ["index", "true", "predicted"],
        [(i, t, p) for i, (t, p) in enumerate(zip(y_test, predicted, strict=True))],
    )
    figure = _plots.new_figure(width=5, height=5)
    ax = figure.axes[0]
    ax.scatter(y_test, predicted, s=10)
    low, high = min(y_test.min(), predicted.min()), max(y_test.max(), predicted.max())
    ax.plot([low, high], [low, high], color="black", lw=1)
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    ax.set_title(f"{args.model}: test RMSE {results['test_rmse']:.4g}")
    _plots.save_figure(out / "predictions.png", figure)
    extra = {"test_series": len(y_test), "mase_scale": "MAE of the training mean"}
    run = {
        "task": "series-to-number",
        "input": _run.sequences_input(x_train, padded),
        "preparation": {
            "input_scaler": _run.scaler_state(input_scaler),
            "target_scaler": _run.scaler_state(target_scaler),
        },
    }
    return _forecasting.Outcome(
        _name(args),
        model,
        dataset,
        history,
        seconds,
        results,
        reference,
        extra,
        run,
        timesteps=x_train.shape[1],
    )


def prepare_sequences(x, scaler):
    """Series (n, steps, features) as the series-to-number model reads them
    (per-feature `scaler`, gaps filled, padding marked), and whether any is
    padded. `recipes.predict` replays it on new data."""
    return data.prepare(_data.scale_sequences(scaler, x), normalize=None)


def _numeric(y, source):
    y = np.asarray(y)
    try:
        y = y.astype("float64")
    except (TypeError, ValueError):
        raise InputError(
            f"{source}: the targets are not numbers (found {[str(v) for v in y[:3]]}); "
            "use recipes.classify for class labels"
        ) from None
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        raise InputError(f"{source}: target {y[bad[0]]} at case {bad[0] + 1} is not finite")
    return y


def _name(args):
    return args.model if args.ensemble == 1 else f"{args.model} (ensemble of {args.ensemble})"


def _flat(windows):
    """(n, horizon, targets) as (n, horizon * targets), the model's output layout."""
    return windows.reshape(len(windows), -1)


if __name__ == "__main__":
    _cli.run(main)
