"""Predict new data with a finished run: its model and its saved preparation.

    python -m recipes.predict --run runs/classify --data new.npz
    python -m recipes.predict --run runs/regress --data prices.csv --forecast 12
    python -m recipes.predict --run runs/anomaly --data plant.csv --out runs/scored

`--run` is the --out folder of a training recipe (classify, regress, anomaly,
embed or autoencode): it holds model.keras and run.json, the preparation the
run fit on its training data (class names, normalisation, scaler statistics,
windows, the anomaly threshold). The new data goes through that preparation
unchanged (nothing is refit), the model predicts, and scaling and label
encoding are undone. `--data` takes what the run trained on: `.npz`, `.csv` or
`.ts` sequences for classify, series-to-number regression, labelled anomaly
sequences and embed (labels optional: an `.npz` with only `x`); a series CSV
with the run's columns for forecasting and series anomaly runs.

Writes to --out: predictions.csv (classify, regress: one row per sequence or
per window, step and target; anomaly: one row per row or sequence with its
error and flag), forecast.csv with `--forecast N` (the N rows after the data)
and embeddings.csv for embed runs.
"""

import contextlib
import shutil
import zipfile
from pathlib import Path

import numpy as np

from recipes import (
    _autoencoder,
    _cli,
    _forecasting,
    _io,
    _lock,
    _panel_forecast,
    _prepare,
    _run,
)
from zoo import InputError, data


def parse_args(argv=None):
    p = _cli.Parser(
        prog="python -m recipes.predict",
        description=__doc__.splitlines()[0],
        allow_abbrev=False,
    )
    p.add_argument("--run", type=Path, required=True, help="a finished run's --out folder")
    p.add_argument("--data", type=Path, required=True, help="the data to predict")
    p.add_argument(
        "--label-column",
        help="CSV sequences: the label column, name or 0-based index (default: the run's)",
    )
    p.add_argument(
        "--forecast", type=_cli.positive_int, help="forecasting runs: predict N rows past the data"
    )
    p.add_argument("--out", type=Path, default=Path("runs") / "predict", help="output folder")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    run = _run.read(args.run)
    task = run["task"]
    if args.forecast and task not in ("forecasting", "panel-forecasting"):
        raise InputError(f"--forecast needs a forecasting run; {args.run} is a {task} run")
    check_out(args.out, args.run)
    model = _run.load_model(args.run, run)
    print(f"{args.run}: {run['recipe']} run ({task}), model {run['model']}; predicting {args.data}")
    with taken(args.out):
        written = TASKS[task](
            run,
            model,
            data_path=args.data,
            out=args.out,
            label_column=args.label_column,
            forecast_rows=args.forecast,
        )
    print(f"Wrote {args.out}/: {' '.join(sorted(written))}")


@contextlib.contextmanager
def taken(out):
    """`out` for this process alone (see `recipes._lock`), its files replaced
    as a set when the block ends well (see `recipes._io.commit`); after a
    failure the previous files stay whole, and a folder made for the block
    goes again."""
    made = not out.exists()
    _lock.take(out)
    _io.stage(out)
    try:
        yield
    except BaseException:
        _io.discard(out)
        shutil.rmtree(out / _io.STAGING, ignore_errors=True)
        _lock.release(out)
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if empty
        raise
    _io.commit(out, last=None)


# A training run's folder holds these; predictions never go there.
RUN_FILES = (_run.NAME, "model.keras", "metrics.json", ".train")


def check_out(out, run_dir):
    """Refuses an --out that is the --run folder or any training run's
    folder (finished or interrupted), whose files predictions would replace."""
    same = out.exists() and run_dir.exists() and out.resolve() == run_dir.resolve()
    found = [name for name in RUN_FILES if (out / name).exists()] if out.is_dir() else []
    if same or found:
        what = "the --run folder" if same else f"a training run's folder (it holds {found[0]})"
        raise InputError(
            f"--out {out} is {what}; predictions go to a folder of their own, "
            "so that no run's files are replaced"
        )


# === Sequences: classify, series-to-number, anomaly sequences, embed ===


def sequences(run, data_path, label_column):
    """`(x, y or None)` from --data as the run's loader reads it; y is None
    for an `.npz` without labels."""
    label_column = label_column or run["input"].get("label_column")
    path = data_path
    if path.suffix.lower() == ".npz" and not _has_labels(path):
        x, _ = data.load_npz(path, labels=False)
        return x, None
    return data.load(path, label_column=label_column if path.suffix.lower() == ".csv" else None)


def _has_labels(path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            return "y" in archive.files
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return True  # damaged: the loader explains


def fit_steps(x, run, source):
    """`x` at the run's length: padded with NaN when the run's model masks
    (any length), else exactly the run's number of steps."""
    layout = run["input"]
    features = _run.field(layout, "features", int, run["path"])
    if x.shape[2] != features:
        raise InputError(
            f"{source}: {x.shape[2]} features per step, but the run's model reads {features}"
        )
    steps = _run.field(layout, "steps", int, run["path"], optional=True)
    if steps is not None and x.shape[1] != steps:
        raise InputError(
            f"{source}: sequences of {x.shape[1]} steps, but the run's model reads {steps} "
            "(it was trained without padding)"
        )
    return x


def classification(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep = run["preparation"]
    classes = np.array(_run.field(prep, "classes", list, run["path"]), dtype=str)
    normalization = _run.field(prep, "normalize", str, run["path"])
    scaler = prep.get("scaler")
    scaler = None if scaler is None else _run.scaler_from(scaler, run["path"])
    x, y = sequences(run, data_path, label_column)
    x, _ = _prepare.prepare_labelled(fit_steps(x, run, data_path), normalization, scaler)
    probabilities = model.predict(x, verbose=0, batch_size=256)
    if probabilities.shape[-1] != len(classes):
        raise InputError(f"{run['path']}: {len(classes)} classes but the model has other outputs")
    predicted = classes[np.argmax(probabilities, axis=-1)]
    header = ["index", *(["true"] if y is not None else []), "predicted"]
    header += [f"probability_{c}" for c in classes]
    rows = [
        (i, *([y[i]] if y is not None else []), predicted[i], *map(float, probabilities[i]))
        for i in range(len(x))
    ]
    _io.write_csv(out / "predictions.csv", header, rows)
    if y is not None:
        accuracy = float(np.mean(predicted == np.asarray(y).astype(str)))
        print(f"accuracy on {len(x)} labelled sequences: {accuracy:.4f}")
    return ["predictions.csv"]


def series_to_number(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep = run["preparation"]
    input_scaler = _run.scaler_from(prep.get("input_scaler"), run["path"])
    target_scaler = _run.scaler_from(prep.get("target_scaler"), run["path"])
    x, y = sequences(run, data_path, label_column)
    x, _ = _prepare.prepare_sequences(fit_steps(x, run, data_path), input_scaler)
    scaled = model.predict(x, verbose=0, batch_size=256).reshape(-1, 1)
    predicted = target_scaler.inverse_transform(scaled)[:, 0]
    header = ["index", *(["true"] if y is not None else []), "predicted"]
    rows = [(i, *([y[i]] if y is not None else []), predicted[i]) for i in range(len(x))]
    _io.write_csv(out / "predictions.csv", header, rows)
    return ["predictions.csv"]


def anomaly_sequences(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep = run["preparation"]
    shape = _shape(prep, run)
    threshold = _run.field(prep, "threshold", (int, float), run["path"])
    normal_label = _run.field(prep, "normal_label", str, run["path"])
    scaler = _run.scaler_from(prep.get("scaler"), run["path"])
    x, y = sequences(run, data_path, label_column)
    x = _autoencoder.equal_length(fit_steps(x, run, data_path), data_path)
    x = _prepare.scale_sequences(scaler, x)
    errors = _autoencoder.step_errors(x, _autoencoder.reconstruct(model, x, shape)).mean(axis=1)
    flagged = errors > threshold
    header = ["index", *(["label", "anomaly"] if y is not None else []), "error", "flagged"]
    rows = [
        (i, *([y[i], int(str(y[i]) != normal_label)] if y is not None else []), e, int(f))
        for i, (e, f) in enumerate(zip(errors, flagged, strict=True))
    ]
    _io.write_csv(out / "predictions.csv", header, rows)
    print(f"{int(flagged.sum())} of {len(x)} sequences above the run's threshold {threshold:.4g}")
    return ["predictions.csv"]


def embed(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep = run["preparation"]
    shape = _shape(prep, run)
    scaler = _run.scaler_from(prep.get("scaler"), run["path"])
    x, y = sequences(run, data_path, label_column)
    x = _autoencoder.equal_length(fit_steps(x, run, data_path), data_path)
    x = _prepare.scale_sequences(scaler, x)
    z = model.get_layer("encoder").predict(shape.split(x)[0], batch_size=256, verbose=0)
    header = ["index", *(["label"] if y is not None else [])]
    header += [f"z{k}" for k in range(z.shape[1])]
    rows = [(i, *([y[i]] if y is not None else []), *map(float, z[i])) for i in range(len(x))]
    _io.write_csv(out / "embeddings.csv", header, rows)
    return ["embeddings.csv"]


def _shape(prep, run):
    shape = _run.field(prep, "shape", dict, run["path"])
    try:
        return _autoencoder.Shape(**shape)
    except TypeError:
        raise InputError(f"{run['path']}: unknown autoencoder shape {shape!r}") from None


# === Series: forecasting, anomaly series ===


def series_table(run, data_path):
    """The --data series CSV read as the run read its own, its times and its
    number of rows."""
    layout = run["input"]
    columns = _run.field(layout, "columns", list, run["path"])
    table = data.read_series_csv(
        data_path,
        date_column=_run.field(layout, "date_column", str, run["path"], optional=True),
        fill=_run.field(layout, "fill", str, run["path"], optional=True),
    )
    rows = len(table.columns(columns, "the run"))  # names what is missing
    times = table.dates if table.dates is not None else np.arange(rows).astype(str)
    return table, times, rows


def forecasting(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep, layout, source = run["preparation"], run["input"], run["path"]
    target = _run.field(prep, "target", list, source)
    features = _run.field(prep, "features", list, source)
    window = _run.field(layout, "window", int, source)
    horizon = _run.field(prep, "horizon", int, source)
    table, times, rows = series_table(run, data_path)
    if rows < window:
        raise InputError(f"{data_path}: {rows} rows; the run's windows need {window}")
    windows = data.forecasting_windows(
        table.columns(target + features, "columns"),
        table.columns(target, "columns"),
        window=window,
        horizon=horizon,
        input_scaler=_run.scaler_from(prep.get("input_scaler"), source),
        target_scaler=_run.scaler_from(prep.get("target_scaler"), source),
        predict=_run.field(prep, "predict", str, source),
        season=_run.field(prep, "season", int, source, optional=True),
        transform=_run.field(prep, "transform", str, source, optional=True),
    )
    written = []
    if len(windows.x_test):
        outputs = model.predict(windows.x_test, verbose=0, batch_size=256)
        predicted = windows.original(outputs.reshape(len(outputs), horizon, len(target)), "test")
        true = windows.original(windows.y_test, "test")
        _io.write_csv(
            out / "predictions.csv",
            ["time", "target", "step", "true", "predicted"],
            [
                (times[r + h], name, h + 1, true[i, h, k], predicted[i, h, k])
                for i, r in enumerate(windows.rows_test)
                for h in range(horizon)
                for k, name in enumerate(target)
            ],
        )
        written.append("predictions.csv")
    elif not forecast_rows:
        raise InputError(
            f"{data_path}: {rows} rows hold no window of {window} rows followed by "
            f"{horizon} target rows; give more rows, or --forecast N to predict past the data"
        )
    if forecast_rows:
        if forecast_rows > horizon and features:
            raise InputError(
                f"--forecast {forecast_rows} is beyond the run's horizon {horizon}, which "
                "needs future values of its --features; forecast at most the horizon"
            )
        future = _forecasting.beyond(model, windows, window, horizon, forecast_rows)
        future_times = _forecasting.future_times(times, forecast_rows)
        _io.write_csv(
            out / "forecast.csv",
            ["step", "time", *target],
            [(i + 1, future_times[i], *row) for i, row in enumerate(future)],
        )
        written.append("forecast.csv")
    return written


def anomaly_series(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    prep, layout, source = run["preparation"], run["input"], run["path"]
    shape = _shape(prep, run)
    threshold = _run.field(prep, "threshold", (int, float), source)
    window = _run.field(layout, "window", int, source)
    span = window + shape.future_steps
    table, times, count = series_table(run, data_path)
    values = table.columns(_run.field(prep, "target", list, source), "columns")
    if count < span:
        raise InputError(f"{data_path}: {count} rows; the run's windows need {span}")
    scaled = _run.scaler_from(prep.get("scaler"), source).transform(values).astype("float32")
    x, first = data.part_windows(scaled, span, 0, count, 1)
    errors = _autoencoder.step_errors(x, _autoencoder.reconstruct(model, x, shape))
    scores = data.row_scores(errors, first, 0, count)
    label_column = layout.get("label_column")
    header, rows = (
        ["time", "error", "flagged"],
        [(t, float(e), int(e > threshold)) for t, e in zip(times, scores, strict=True)],
    )
    if label_column in table.names:
        labels = table.columns([label_column], "label column")[:, 0] != 0
        header.append("anomaly")
        rows = [(*row, int(a)) for row, a in zip(rows, labels, strict=True)]
    _io.write_csv(out / "predictions.csv", header, rows)
    flagged = int(np.sum(scores > threshold))
    print(f"{flagged} of {count} rows above the run's threshold {threshold:.4g}")
    return ["predictions.csv"]


def panel_forecasting(run, model, *, data_path, out, label_column=None, forecast_rows=None):
    """A panel model's quantile forecasts past the end of every series of
    `data_path`, read and prepared as the run read and prepared its own."""
    prep, layout, source = run["preparation"], run["input"], run["path"]
    reading = _run.field(layout, "reading", dict, source, optional=True)
    if reading is None:
        raise InputError(
            f"{source}: the run trained on --dataset {layout.get('dataset')}; recipes.predict "
            "replays runs trained on a --data CSV file, whose columns it reads again"
        )
    horizon = _run.field(prep, "horizon", int, source)
    levels = [float(q) for q in _run.field(prep, "quantiles", list, source)]
    steps = forecast_rows or horizon
    if steps > horizon and run["model"] == "mqrnn":
        raise InputError(f"--forecast {steps} is beyond the run's horizon {horizon}")
    windows = data.ForecastWindows(
        context=_run.field(prep, "context", int, source),
        horizon=horizon,
        season=_run.field(prep, "season", int, source, optional=True)
        if prep.get("base") == "season"
        else None,
        base=_run.field(prep, "base", str, source),
        log=_run.field(prep, "log", bool, source),
    )
    panel = _panel_forecast.read(data_path, reading)
    prepared = _panel_forecast.prepare(
        panel,
        horizon=horizon,
        model_name=run["model"],
        covariates=_run.field(prep, "covariates", dict, source),
    )
    if panel.future_names:
        raise InputError(
            f"{data_path}: the run reads future covariates ({', '.join(panel.future_names)}), "
            "whose values past the end of the data are unknown"
        )
    series = np.arange(len(prepared.targets))
    origin = np.array([len(t) for t in prepared.targets])
    predicted = _panel_forecast.forecast(
        model,
        prepared,
        windows,
        series=series,
        origin=origin,
        quantiles=levels,
        model_name=run["model"],
        seed=0,
    )[:, :steps]
    _panel_forecast.write_future(
        out / "forecast.csv", prepared, series, predicted, levels, freq=panel.freq
    )
    print(f"{len(series)} series forecast {steps} steps past the data")
    return ["forecast.csv"]


TASKS = {
    "panel-forecasting": panel_forecasting,
    "classification": classification,
    "series-to-number": series_to_number,
    "anomaly-sequences": anomaly_sequences,
    "embed": embed,
    "forecasting": forecasting,
    "anomaly-series": anomaly_series,
}


if __name__ == "__main__":
    _cli.run(main)
