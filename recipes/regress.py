"""Series-to-number regression: an LSTM regressor against the training mean and a linear model.

`--train FILE [--test FILE]`, `.npz` (`x`, numeric `y`) or `.ts` with
`@targetLabel true`, or `--dataset NAME` (a TSER set, e.g. Covid3Month);
baselines are the training mean and a linear model, every metric in original
units.

    KERAS_BACKEND=jax python -m recipes.regress --dataset Covid3Month
    python -m recipes.regress --train train.ts --test test.ts --out runs/mine

Forecasting is `recipes.forecast`. The old forecasting commands of this
recipe keep working: with `--data`, a series `--dataset` (Airline, Lynx, PBS,
ShampooSales) or neither `--train` nor `--dataset` (the bundled sunspots),
`python -m recipes.regress ...` runs `recipes.forecast` with the same flags.
"""

import sys

import keras
import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split

from recipes import (
    _artifacts,
    _cli,
    _data,
    _forecasting,
    _io,
    _plots,
    _prepare,
    _regression,
    _run,
    _training,
)
from recipes import forecast as forecast_alias  # the old forecasting commands (see above)
from zoo import InputError, data
from zoo.data._published import FORECASTING


def parse_args(argv=None):
    p = _cli.parser(
        __doc__.splitlines()[0],
        "regress",
        task="regression",
        default_model="stacked_lstm",
        default_units=(64, 64),
        dropout=0.2,
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", help="a TSER dataset (forecasting series: recipes.forecast)")
    source.add_argument("--train", help="training file: .npz or .ts")
    p.add_argument("--test", help="test file (default: 25%% of --train)")
    p.add_argument("--scaler", choices=["standard", "minmax", "none"], default="standard")
    p.add_argument(
        "--head-units", type=_cli.int_tuple, default=(), help="hidden Dense widths, e.g. 32"
    )
    args = p.parse_args(argv)
    if args.test and not args.train:
        p.error("--test needs --train")
    return args


def is_forecasting(argv):
    """Whether `argv` is one of the old forecasting commands of this recipe:
    `--data`, a series `--dataset`, or neither `--train` nor `--dataset`."""
    flags = {a.split("=", 1)[0] for a in argv if a.startswith("--")}
    if "--help" in flags or "-h" in argv:
        return False
    if "--data" in flags:
        if flags & {"--train", "--dataset"}:
            raise InputError(
                "give one of --data (forecasting), --dataset or --train (series-to-number)"
            )
        return True
    for i, arg in enumerate(argv):
        if arg == "--dataset" and i + 1 < len(argv):
            return argv[i + 1] in FORECASTING
        if arg.startswith("--dataset="):
            return arg.split("=", 1)[1] in FORECASTING
    return "--train" not in flags


def main(argv=None):
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    if is_forecasting(argv):
        return forecast_alias.main(argv, prog="regress")
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    with _artifacts.opened(**_cli.run_flags(args)) as (devices, state, policy):
        outcome = series_to_number(
            policy=policy,
            state=state,
            devices=devices,
            bidirectional=args.bidirectional,
            dataset_name=args.dataset,
            dropout=args.dropout,
            ensemble=args.ensemble,
            head_units=args.head_units,
            model_name=args.model,
            out=args.out,
            scaler_flag=args.scaler,
            seed=args.seed,
            test_path=args.test,
            train_path=args.train,
            units=args.units,
        )
    _regression.report(
        outcome,
        recipe="regress",
        model_name=args.model,
        ensemble=args.ensemble,
        seed=args.seed,
        devices=devices,
        flags=_cli.resume_flags(args),
        out=args.out,
        exports=args.export,
    )


def series_to_number(
    *,
    bidirectional,
    dataset_name,
    devices,
    dropout,
    ensemble,
    head_units,
    model_name,
    out,
    policy,
    scaler_flag,
    seed,
    state,
    test_path,
    train_path,
    units,
):
    scaler = _cli.scaler_kind(scaler_flag)
    if dataset_name:
        x_train, y_train, x_test, y_test = data.load_published(dataset_name, "regression")
        dataset = f"{dataset_name} (official split, via aeon)"
    else:
        x_train, y_train, x_test, y_test, dataset = _data.labelled(
            train=train_path,
            test=test_path,
            dataset=None,
            label_column=None,
            seed=seed,
            task="regression",
        )
    y_train, y_test = _numeric(y_train, dataset), _numeric(y_test, test_path or dataset)
    x_train, x_test = data.same_length(x_train, x_test)
    target_scaler = data.make_scaler(scaler).fit(y_train[:, None])
    input_scaler = _prepare.sequence_scaler(scaler, x_train)
    x_train, padded_train = _prepare.prepare_sequences(x_train, input_scaler)
    x_test, padded_test = _prepare.prepare_sequences(x_test, input_scaler)
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
    model, history, seconds = _regression.train(
        x_fit,
        y_fit,
        (x_val, y_val),
        input_shape=(None if padded else x_train.shape[1], x_train.shape[2]),
        outputs=1,
        masking=padded,
        policy=policy,
        state=state,
        devices=devices,
        bidirectional=bidirectional,
        dropout=dropout,
        ensemble=ensemble,
        head_units=head_units,
        model_name=model_name,
        seed=seed,
        units=units,
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
    _io.write_csv(
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
    ax.set_title(f"{model_name}: test RMSE {results['test_rmse']:.4g}")
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
    return _regression.Outcome(
        _training.display_name(model_name, ensemble),
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


def _flat(windows):
    """(n, horizon, targets) as (n, horizon * targets), the model's output layout."""
    return windows.reshape(len(windows), -1)


if __name__ == "__main__":
    _cli.run(main)
