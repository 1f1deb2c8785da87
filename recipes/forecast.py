"""Forecast one series or a panel of many with an LSTM, beside classical baselines.

The default model, `mqrnn`, is one global model for every series of the data
(Wen et al. 2017: an LSTM encoder and quantiles of the whole horizon); `deepar`
is the autoregressive LSTM of Salinas et al. (2020) with a Student-t head,
forecasting by sampled paths. Both follow the M competitions: the last
`--horizon` values of every series are its test part, and each is scored by
MASE, sMAPE, RMSE, the weighted quantile loss, MSIS and the coverage of its
80% and 95% intervals beside seasonal naive, exponential smoothing, ARIMA and
Theta fit per series.

    KERAS_BACKEND=jax python -m recipes.forecast                  # bundled sunspots
    python -m recipes.forecast --dataset m1_yearly                # 181 series, horizon 6
    python -m recipes.forecast --data sales.csv --id-column store --date-column week \\
        --target sales --future-covariates promo --horizon 8 --backtest 3
    python -m recipes.forecast --dataset Airline --horizon 12 --forecast 12

Data: `--data FILE.csv` is a long table with `--id-column` (one row per series
and date) or a wide one without it (each `--target` column a series);
`--dataset NAME` is a panel or series aeon ships (m1_yearly, ..., Airline,
Lynx, PBS, ShampooSales). Writes to --out: test_forecasts.csv (series, date,
actual, forecast, q0.025 ... q0.975), backtest_forecasts.csv (--backtest K),
forecast.csv (--forecast N past the data), forecasts.png (fan charts),
metrics.json, model.keras, run.json, history.csv and learning_curves.png.

The regressor builders (`--model stacked_lstm`, `lstm`, ...) forecast one
table by windows instead, as `recipes.regress --data` did (point forecasts,
a chronological split by `--test-size`); `python -m recipes.regress --data
...` still runs them under that name.
"""

import argparse

import keras

from recipes import _artifacts, _cli, _panel_forecast, _regression, _windowed
from zoo import data
from zoo.data._published import FORECASTING

PANEL_MODELS = ("mqrnn", "deepar")
DEFAULT_QUANTILES = (0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975)
PANEL_UNITS = {"mqrnn": (64,), "deepar": (40, 40)}
PANEL_BATCH = 64
# At most this many passes over the windows (or --max-steps): a single short
# series has a few dozen windows, which 3,000 steps would fit many times over
PANEL_EPOCHS = 100
# The windowed regressors' defaults (recipes.regress --data before this recipe)
WINDOWED = {
    "units": (64, 64),
    "dropout": 0.2,
    "window": 20,
    "test_size": 0.2,
    "val_size": 0.15,
    "stride": 1,
    "scaler": "standard",
    "horizon": 1,
}
WINDOWED_ONLY = ("test_size", "val_size", "stride", "scaler")


def parse_args(argv=None, prog="forecast"):
    p = _cli.parser(
        __doc__.splitlines()[0],
        prog,
        task=("forecasting", "regression"),
        default_model="mqrnn" if prog == "forecast" else "stacked_lstm",
        default_units=None,
        dropout=None,
    )
    p.add_argument("--data", help="CSV: a long table (--id-column) or one column per series")
    p.add_argument(
        "--dataset",
        help=f"a panel or series aeon ships: {', '.join([*data.PANELS, *FORECASTING])}",
    )
    p.add_argument("--target", type=_cli.names, help="the target column(s), comma-separated")
    p.add_argument("--id-column", help="long tables: the column naming each row's series")
    p.add_argument(
        "--date-column", help="column of dates (sets the frequency and calendar features)"
    )
    p.add_argument("--fill", choices=data.FILLS, help="fill missing values (default: an error)")
    p.add_argument(
        "--past-covariates",
        "--features",
        dest="past_covariates",
        type=_cli.names,
        default=(),
        help="columns known up to each step only (the windowed models' --features)",
    )
    p.add_argument(
        "--future-covariates",
        type=_cli.names,
        default=(),
        help="columns known ahead, like promotions or holidays (panel models)",
    )
    p.add_argument(
        "--static-covariates", type=_cli.names, default=(), help="columns fixed per series"
    )
    p.add_argument(
        "--horizon",
        type=_cli.positive_int,
        help="steps to forecast (default: the dataset's published horizon, else the season, "
        "else 1)",
    )
    p.add_argument("--season", type=_cli.positive_int, help="season length in steps")
    p.add_argument(
        "--window",
        type=_cli.positive_int,
        help="steps of history the model reads (default: panels max(8, 2 horizons, 2 "
        "seasons); windowed models 20)",
    )
    p.add_argument(
        "--quantiles",
        type=_quantiles,
        default=DEFAULT_QUANTILES,
        help="forecast quantiles, comma-separated (0.5 is always added: the point forecast)",
    )
    p.add_argument(
        "--backtest",
        type=_cli.int_tuple_from_zero,
        default=(0,),
        help="K earlier origins, each a horizon apart, forecast by the same model (trained "
        "before the earliest) and written to backtest_forecasts.csv",
    )
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="conformal calibration of the quantiles on the backtest origins' errors",
    )
    p.add_argument(
        "--baselines",
        type=_cli.names,
        default=("snaive", "ets", "arima", "theta"),
        help="classical baselines: snaive, ets, arima, theta (statsforecast)",
    )
    p.add_argument(
        "--predict",
        choices=("auto", *data.PREDICT),
        default="auto",
        help="what the model predicts: the difference from the seasonal-naive forecast "
        "(seasonal), the change from the last value (change) or, windowed models only, the "
        "value (level); auto: seasonal for a season above 1, else change",
    )
    p.add_argument(
        "--transform",
        choices=("auto", "log", "none"),
        default="auto",
        help="model the logarithm of the series (log); auto: log for positive seasonal series",
    )
    p.add_argument("--head-units", type=_cli.int_tuple, default=(), help="hidden Dense widths")
    p.add_argument("--forecast", type=_cli.positive_int, help="forecast N steps past the data")
    windowed = p.add_argument_group("windowed models (--model stacked_lstm, lstm, ...)")
    windowed.add_argument("--stride", type=_cli.positive_int, help="rows between windows (1)")
    windowed.add_argument("--scaler", choices=["standard", "minmax", "none"], help="(standard)")
    windowed.add_argument("--test-size", type=_cli.size, help="last rows for testing (0.2)")
    windowed.add_argument("--val-size", type=_cli.size, help="rows for validation (0.15)")
    p.set_defaults(ensemble=None)  # panel models: by the number of windows
    args = p.parse_args(argv)
    if args.data and args.dataset:
        p.error("give one of --data and --dataset")
    args.backtest = (
        args.backtest[0] if len(args.backtest) == 1 else p.error("--backtest takes one number")
    )
    panel = args.model in PANEL_MODELS
    if panel:
        given = [f"--{n.replace('_', '-')}" for n in WINDOWED_ONLY if getattr(args, n) is not None]
        if given:
            p.error(
                f"{', '.join(given)} apply to the windowed models; --model {args.model} tests "
                "the last --horizon steps of every series"
            )
        if args.predict == "level":
            p.error("--predict level applies to the windowed models")
    else:
        for name in ("future_covariates", "static_covariates"):
            if getattr(args, name):
                p.error(f"--{name.replace('_', '-')} needs a panel model (--model mqrnn)")
        if args.id_column:
            p.error("--id-column needs a panel model (--model mqrnn or deepar)")
        if args.backtest or args.calibrate:
            p.error("--backtest and --calibrate need a panel model (--model mqrnn or deepar)")
        args.ensemble = args.ensemble or 1
        for name, value in WINDOWED.items():
            if getattr(args, name) is None:
                setattr(args, name, value)
        if args.dataset and args.dataset not in FORECASTING:
            p.error(f"--model {args.model} forecasts one series: --dataset {list(FORECASTING)}")
        if args.forecast and args.past_covariates and args.forecast > args.horizon:
            p.error(
                f"--forecast {args.forecast} is beyond --horizon {args.horizon}, which needs "
                "future values of --features; forecast at most --horizon rows or drop --features"
            )
    if args.calibrate and not args.backtest:
        p.error("--calibrate needs --backtest 1 or more (its origins calibrate)")
    return args


def _quantiles(text):
    try:
        values = sorted({float(v) for v in text.split(",") if v.strip()} | {0.5})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers in (0, 1), got {text!r}") from None
    if not all(0 < v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected numbers in (0, 1), got {text!r}")
    return tuple(values)


def main(argv=None, prog="forecast"):
    args = parse_args(argv, prog)
    keras.utils.set_random_seed(args.seed)
    if args.model in PANEL_MODELS:
        if args.epochs is None:
            args.epochs = PANEL_EPOCHS
        with _artifacts.opened(**_cli.run_flags(args, batch_size=PANEL_BATCH)) as (
            devices,
            state,
            policy,
        ):
            _panel_forecast.run(
                policy=policy,
                state=state,
                devices=devices,
                recipe=prog,
                flags=_cli.resume_flags(args),
                data_path=args.data,
                dataset_name=args.dataset,
                target=args.target,
                id_column=args.id_column,
                date_column=args.date_column,
                fill=args.fill,
                past=args.past_covariates,
                future=args.future_covariates,
                static=args.static_covariates,
                horizon=args.horizon,
                season=args.season,
                context=args.window,
                predict=args.predict,
                transform=args.transform,
                model_name=args.model,
                units=args.units or PANEL_UNITS[args.model],
                head_units=args.head_units,
                dropout=0.1 if args.dropout is None else args.dropout,
                levels=list(args.quantiles),
                backtest=args.backtest,
                calibrate=args.calibrate,
                baselines=args.baselines,
                forecast_steps=args.forecast,
                ensemble=args.ensemble,
                seed=args.seed,
                out=args.out,
                exports=args.export,
            )
        return
    with _artifacts.opened(**_cli.run_flags(args)) as (devices, state, policy):
        outcome = _windowed.forecast(
            policy=policy,
            state=state,
            devices=devices,
            bidirectional=args.bidirectional,
            data_path=args.data,
            dataset_name=args.dataset,
            date_column=args.date_column,
            dropout=args.dropout,
            ensemble=args.ensemble,
            features=args.past_covariates,
            fill=args.fill,
            forecast_rows=args.forecast,
            head_units=args.head_units,
            horizon=args.horizon,
            model_name=args.model,
            out=args.out,
            predict=args.predict,
            scaler_flag=args.scaler,
            season=args.season,
            seed=args.seed,
            stride=args.stride,
            target=args.target,
            test_size=args.test_size,
            transform=args.transform,
            units=args.units,
            val_size=args.val_size,
            window=args.window,
        )
    _regression.report(
        outcome,
        recipe=prog,
        model_name=args.model,
        ensemble=args.ensemble,
        seed=args.seed,
        devices=devices,
        flags=_cli.resume_flags(args),
        out=args.out,
        exports=args.export,
    )


if __name__ == "__main__":
    _cli.run(main)
