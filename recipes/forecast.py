"""Forecast series with an LSTM and compare it with baselines.

The default forecasts the bundled yearly sunspot numbers. `--data FILE.csv`
holds one column per series, or `--dataset NAME` names a series aeon ships
(Airline, Lynx, PBS, ShampooSales); `--window` past rows of the target (and
`--features`) columns predict the next `--horizon` rows of the target
columns. The split is chronological, scalers see training rows only, and
every metric is in original units beside persistence, seasonal-naive,
linear-model and exponential-smoothing baselines.

    KERAS_BACKEND=jax python -m recipes.forecast
    python -m recipes.forecast --dataset Airline --horizon 12
    KERAS_BACKEND=torch python -m recipes.forecast --data prices.csv --target close \\
        --features open,volume --date-column date --window 30 --horizon 5

`python -m recipes.regress --data ...` (and a forecasting `--dataset`) runs
this recipe under its first name. Writes to --out: model.keras, run.json,
metrics.json, history.csv, predictions.csv, forecast.png, learning_curves.png
(and forecast.csv with --forecast N).
"""

import keras

from recipes import _artifacts, _cli, _regression, _windowed
from zoo import data
from zoo.data._published import FORECASTING


def parse_args(argv=None, prog="forecast"):
    p = _cli.parser(
        __doc__.splitlines()[0],
        prog,
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
    p.add_argument("--dataset", choices=FORECASTING, help="a series aeon ships")
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
    if args.data and args.dataset:
        p.error("give one of --data and --dataset")
    if args.forecast and args.features and args.forecast > args.horizon:
        p.error(
            f"--forecast {args.forecast} is beyond --horizon {args.horizon}, which needs "
            "future values of --features; forecast at most --horizon rows or drop --features"
        )
    return args


def main(argv=None, prog="forecast"):
    args = parse_args(argv, prog)
    keras.utils.set_random_seed(args.seed)
    with _artifacts.opened(args) as (devices, state, policy):
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
            features=args.features,
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
