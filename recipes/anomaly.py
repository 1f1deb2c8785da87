"""Flag anomalies by an LSTM autoencoder's reconstruction error, beside baselines.

Series (default: a generated sensor series with labelled anomalies, see
`zoo.data.make_anomaly_series`): `--data FILE.csv --target COLUMNS` is split by
time into training, validation and test rows; the model learns to reconstruct
`--window`-row windows of the training rows, every row is scored by the mean
squared reconstruction error of the windows of its part that cover it, and a
row is flagged when its error passes the `--threshold-quantile` of the
validation rows' errors. With `--label-column` (nonzero = anomalous), windows
touching labelled rows are kept out of training and of the threshold, and the
test rows are scored against the labels. Labelled sequences: `--train FILE
[--test FILE] --normal-label L` (or `--dataset NAME`) trains on the sequences of
class L and scores every test sequence; any other class is an anomaly.

    KERAS_BACKEND=jax python -m recipes.anomaly
    python -m recipes.anomaly --data plant.csv --target temperature --label-column fault
    python -m recipes.anomaly --train ECG200_TRAIN.ts --test ECG200_TEST.ts --normal-label 1

Writes to --out: model.keras, metrics.json, history.csv, learning_curves.png,
reconstruction.png, scores.csv and errors.png.
"""

import dataclasses

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import NearestNeighbors

from recipes import _artifacts, _autoencoder, _cli, _data, _io, _plots, _prepare, _run
from zoo import InputError, data

GENERATED = {"target": ("value",), "label_column": "anomaly", "window": 50}
VALIDATION_FRACTION = 0.2  # of the normal training sequences: early stopping and threshold


def parse_args(argv=None):
    p = _autoencoder.parser(__doc__.splitlines()[0], "anomaly")
    _cli.series_flags(
        p,
        data_help="CSV of series, one column each (default: a generated series)",
        target_help="column(s) to model, comma-separated",
        window=GENERATED["window"],
        test_size=0.4,
        val_size=0.2,
    )
    p.add_argument("--train", help="labelled sequences: .npz, .csv or .ts")
    p.add_argument("--test", help="test file (default: a quarter of --train)")
    p.add_argument("--dataset", help=_cli.DATASET_HELP)
    p.add_argument(
        "--label-column",
        help="--data: column marking anomalous rows (nonzero); --train .csv: the labels",
    )
    p.add_argument("--normal-label", help="--train/--dataset: the class of normal sequences")
    p.add_argument(
        "--threshold-quantile",
        type=_cli.fraction,
        default=0.99,
        help="flag errors above this quantile of the validation errors",
    )
    _autoencoder.add_flags(p)
    args = p.parse_args(argv)
    sequences = args.train or args.dataset
    if args.data and sequences:
        p.error("give --data (series) or --train/--dataset (labelled sequences), not both")
    if args.test and not args.train:
        p.error("--test needs --train")
    if sequences and args.normal_label is None:
        p.error("labelled sequences need --normal-label, the class of normal sequences")
    if not sequences and args.normal_label is not None:
        p.error("--normal-label needs labelled sequences (--train or --dataset)")
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    shape = _autoencoder.shape_from(
        conditional=args.conditional, future_steps=args.future_steps, reverse=args.reverse
    )
    with _artifacts.opened(**_cli.run_flags(args)) as (devices, state, policy):
        common = dict(
            policy=policy,
            state=state,
            devices=devices,
            dropout=args.dropout,
            ensemble=args.ensemble,
            units=args.units,
            label_column=args.label_column,
            latent_dim=args.latent_dim,
            model_name=args.model,
            out=args.out,
            scaler_flag=args.scaler,
            seed=args.seed,
            threshold_quantile=args.threshold_quantile,
        )
        if args.train or args.dataset:
            outcome = sequences(
                shape,
                **common,
                dataset_name=args.dataset,
                normal_label=args.normal_label,
                test_path=args.test,
                train_path=args.train,
            )
        else:
            outcome = series(
                shape,
                **common,
                data_path=args.data,
                date_column=args.date_column,
                fill=args.fill,
                stride=args.stride,
                target=args.target,
                test_size=args.test_size,
                val_size=args.val_size,
                window=args.window,
            )

    # === Report ===
    results = dict(outcome.results)
    ours = results.pop(args.model)
    rows = [{"name": args.model, **ours}] + [{"name": n, **v} for n, v in results.items()]
    _plots.print_table(
        f"Test {outcome.unit}s, threshold at the {args.threshold_quantile} quantile "
        "of validation errors",
        rows,
        data.ANOMALY_METRICS + ["flagged"],
    )
    if ours["roc_auc"] is None:
        print("note: no labels, so no precision, recall or ROC AUC; see scores.csv")
    metrics = {
        **ours,
        "threshold_quantile": args.threshold_quantile,
        "baselines": results,
        **outcome.extra,
        "task": "anomaly",
        "unit": outcome.unit,
        "model": args.model,
        "dataset": outcome.dataset,
        "epochs_run": len(outcome.history.get("epoch", [])),
        "train_seconds": round(outcome.seconds, 2),
        **_artifacts.environment(args.seed, devices),
    }
    run = {
        "recipe": "anomaly",
        "model": args.model,
        "flags": _cli.resume_flags(args),
        **outcome.run,
    }
    _artifacts.save_run(
        args.out, outcome.model, outcome.history, metrics, run=run, exports=args.export
    )


# === Series ===


def series(
    shape,
    *,
    dropout,
    ensemble,
    units,
    data_path,
    date_column,
    devices,
    fill,
    label_column,
    latent_dim,
    model_name,
    out,
    policy,
    scaler_flag,
    seed,
    state,
    stride,
    target,
    test_size,
    threshold_quantile,
    val_size,
    window,
):
    future_steps = shape.future_steps
    generated = not data_path
    target = target or (GENERATED["target"] if generated else None)
    label_column = label_column or (GENERATED["label_column"] if generated else None)
    table, dataset, target = _data.series_table(
        data_path,
        date_column=date_column,
        fill=fill,
        target=target,
        default=lambda: (
            data.make_anomaly_series(),
            "generated sensor series (zoo.data.make_anomaly_series)",
        ),
    )
    values = table.columns(list(target), "--target")
    labels = None
    if label_column:
        if label_column in target:
            raise InputError(f"--label-column {label_column!r} is also a --target")
        labels = table.columns([label_column], "--label-column")[:, 0] != 0
    train_end, val_end = data.chronological_split(len(values), test_size, val_size)
    if labels is not None and labels[:train_end].all():
        raise InputError(
            f"{dataset}: every training row (the first {train_end}) is marked anomalous in "
            f"--label-column {label_column!r}, so nothing normal is left to learn from"
        )
    span = window + future_steps
    fit_rows = values[:train_end] if labels is None else values[:train_end][~labels[:train_end]]
    scaler = data.make_scaler(_cli.scaler_kind(scaler_flag)).fit(fit_rows)
    scaled = scaler.transform(values).astype("float32")

    parts = {}
    for part, (start, stop) in {
        "train": (0, train_end),
        "val": (train_end, val_end),
        "test": (val_end, len(values)),
    }.items():
        x, first = data.part_windows(scaled, span, start, stop, stride if part == "train" else 1)
        if len(x) == 0:
            raise InputError(
                f"no {part} windows: the {part} part has {stop - start} rows, fewer than "
                f"--window {window} + --future-steps {future_steps}"
            )
        parts[part] = (x, first, data.touches(labels, first, span), start, stop)
    x_train, _, dirty_train, *_ = parts["train"]
    x_val, first_val, dirty_val, val_start, _ = parts["val"]
    x_test, first_test, _, test_start, test_stop = parts["test"]
    if dirty_train.all() or dirty_val.all():
        part = "training" if dirty_train.all() else "validation"
        raise InputError(f"every {part} window touches a labelled anomaly")
    # validation rows are scored from their normal windows only: the threshold
    # should reflect normal behaviour, not the neighbours of a labelled anomaly
    x_train, x_val, first_val = x_train[~dirty_train], x_val[~dirty_val], first_val[~dirty_val]
    print(
        f"{dataset}: {len(values)} rows of {len(target)} series; "
        f"{len(x_train)} normal training windows of {window} rows"
        + (f" + {future_steps} future" if future_steps else "")
        + f", {len(dirty_val)} validation and {len(x_test)} test windows"
        + (f"; {int(labels.sum())} labelled anomalous rows" if labels is not None else "")
        + f"; backend {keras.backend.backend()}"
    )
    model, history, seconds = _autoencoder.fit(
        shape,
        x_train,
        x_val,
        policy=policy,
        state=state,
        devices=devices,
        dropout=dropout,
        ensemble=ensemble,
        latent_dim=latent_dim,
        model_name=model_name,
        seed=seed,
        units=units,
    )

    both = np.concatenate([x_val, x_test])
    reconstructed = _autoencoder.reconstruct(model, both, shape)
    errors = _autoencoder.step_errors(both, reconstructed)
    n_val = len(x_val)
    scorers = {model_name: (errors[:n_val], errors[n_val:])}
    for name, scorer in window_baselines(x_train, latent_dim, seed).items():
        scorers[name] = (scorer(x_val), scorer(x_test))

    truth = None if labels is None else labels[test_start:test_stop]
    results = {}
    for name, (errors_val, errors_test) in scorers.items():
        val_rows = data.row_scores(errors_val, first_val, val_start, val_end)
        test_rows = data.row_scores(errors_test, first_test, test_start, test_stop)
        threshold = float(np.quantile(val_rows[~np.isnan(val_rows)], threshold_quantile))
        results[name] = data.detection(truth, test_rows, threshold)
        if name == model_name:
            model_rows, model_threshold = test_rows, threshold
    times = table.dates if table.dates is not None else np.arange(len(values)).astype(str)
    rows = zip(times[test_start:test_stop], model_rows, model_rows > model_threshold, strict=True)
    header = ["time", "error", "flagged"]
    table_rows = [(t, float(e), int(f)) for t, e, f in rows]
    if truth is not None:
        header.append("anomaly")
        table_rows = [(*row, int(a)) for row, a in zip(table_rows, truth, strict=True)]
    _io.write_csv(out / "scores.csv", header, table_rows)
    plot_series_errors(
        out / "errors.png",
        values[test_start:test_stop, 0],
        None if labels is None else labels[test_start:test_stop],
        np.arange(test_start, test_stop),
        model_rows,
        model_threshold,
        y_label=target[0],
        x_label=f"row ({date_column})" if date_column else "row",
    )
    window_errors = errors[n_val:].mean(axis=1)
    picks = distinct_worst(window_errors, first_test, span, 2) + [
        int(np.argsort(window_errors)[len(window_errors) // 2])
    ]
    _autoencoder.plot_reconstructions(
        out / "reconstruction.png",
        x_test[picks],
        reconstructed[n_val:][picks],
        [f"test window at row {first_test[i]}: error {window_errors[i]:.3g}" for i in picks],
        future_steps,
    )
    extra = {
        "mode": "series",
        "window": window,
        "train_windows": len(x_train),
        "test_rows": int(test_stop - test_start),
        "test_anomalous_rows": None if truth is None else int(truth.sum()),
    }
    run = {
        "task": "anomaly-series",
        "input": {
            "window": window,
            "columns": list(target),
            "date_column": date_column,
            "fill": fill,
            "label_column": label_column,
        },
        "preparation": {
            "target": list(target),
            "scaler": _run.scaler_state(scaler),
            "shape": dataclasses.asdict(shape),
            "threshold": model_threshold,
            "threshold_quantile": threshold_quantile,
        },
    }
    return _autoencoder.Outcome(model, dataset, history, seconds, results, extra, run, unit="row")


# === Labelled sequences ===


def sequences(
    shape,
    *,
    dropout,
    ensemble,
    units,
    dataset_name,
    devices,
    label_column,
    latent_dim,
    model_name,
    normal_label,
    out,
    policy,
    scaler_flag,
    seed,
    state,
    test_path,
    threshold_quantile,
    train_path,
):
    x_train, y_train, x_test, y_test, dataset = _data.labelled(
        train=train_path,
        test=test_path,
        dataset=dataset_name,
        label_column=label_column,
        seed=seed,
    )
    x_train, x_test = data.same_length(x_train, x_test)
    x_train = _autoencoder.equal_length(x_train, dataset)
    x_test = _autoencoder.equal_length(x_test, dataset)
    known = sorted({str(v) for v in np.unique(y_train)})
    if normal_label not in known:
        raise InputError(f"--normal-label {normal_label!r} is not one of {known[:20]}")
    normal = np.array([str(v) == normal_label for v in y_train])
    truth = np.array([str(v) != normal_label for v in y_test])
    split = _data.validation_split(x_train[normal], x_train[normal], VALIDATION_FRACTION, seed)
    if split is None:
        raise InputError(
            f"{dataset}: {int(normal.sum())} sequences of class {normal_label} are too few "
            "to hold some out for the threshold"
        )
    x_fit, x_val = split[0], split[1]
    scaler = _prepare.sequence_scaler(_cli.scaler_kind(scaler_flag), x_fit)
    x_fit, x_val, x_test = (_prepare.scale_sequences(scaler, x) for x in (x_fit, x_val, x_test))
    print(
        f"{dataset}: {len(x_fit)} train and {len(x_val)} validation sequences of class "
        f"{normal_label}, {len(x_test)} test sequences ({int(truth.sum())} anomalous) "
        f"of {x_test.shape[1]} steps x {x_test.shape[2]} features; "
        f"backend {keras.backend.backend()}"
    )
    model, history, seconds = _autoencoder.fit(
        shape,
        x_fit,
        x_val,
        policy=policy,
        state=state,
        devices=devices,
        dropout=dropout,
        ensemble=ensemble,
        latent_dim=latent_dim,
        model_name=model_name,
        seed=seed,
        units=units,
    )
    both = np.concatenate([x_val, x_test])
    reconstructed = _autoencoder.reconstruct(model, both, shape)
    errors = _autoencoder.step_errors(both, reconstructed).mean(axis=1)
    scorers = {model_name: (errors[: len(x_val)], errors[len(x_val) :])}
    for name, scorer in window_baselines(x_fit, latent_dim, seed).items():
        scorers[name] = (scorer(x_val).mean(axis=1), scorer(x_test).mean(axis=1))
    results = {}
    for name, (scores_val, scores_test) in scorers.items():
        threshold = float(np.quantile(scores_val, threshold_quantile))
        results[name] = data.detection(truth, scores_test, threshold)
    model_scores = scorers[model_name][1]
    flagged = model_scores > results[model_name]["threshold"]
    _io.write_csv(
        out / "scores.csv",
        ["index", "label", "error", "flagged", "anomaly"],
        [
            (i, label, float(e), int(f), int(a))
            for i, (label, e, f, a) in enumerate(
                zip(y_test, model_scores, flagged, truth, strict=True)
            )
        ],
    )
    plot_sequence_errors(
        out / "errors.png", model_scores, truth, results[model_name]["threshold"], normal_label
    )
    picks = [*np.flatnonzero(~truth)[:2], *np.flatnonzero(truth)[:2]]
    _autoencoder.plot_reconstructions(
        out / "reconstruction.png",
        x_test[picks],
        reconstructed[len(x_val) :][picks],
        [f"test {i} ({'anomaly' if truth[i] else 'normal'}, label {y_test[i]})" for i in picks],
        shape.future_steps,
    )
    extra = {
        "mode": "sequences",
        "normal_label": normal_label,
        "test_sequences": len(x_test),
        "test_anomalous_sequences": int(truth.sum()),
    }
    run = {
        "task": "anomaly-sequences",
        "input": {**_run.sequences_input(x_test, False), "label_column": label_column},
        "preparation": {
            "scaler": _run.scaler_state(scaler),
            "shape": dataclasses.asdict(shape),
            "normal_label": normal_label,
            "threshold": results[model_name]["threshold"],
            "threshold_quantile": threshold_quantile,
        },
    }
    return _autoencoder.Outcome(
        model, dataset, history, seconds, results, extra, run, unit="sequence"
    )


# === Baselines and plots ===


def window_baselines(x_train, latent_dim, seed):
    """Scorers fit on the normal training windows, each returning (n, steps) scores."""
    flat = x_train.reshape(len(x_train), -1)
    steps = x_train.shape[1]
    pca = PCA(n_components=min(latent_dim, *flat.shape), random_state=seed).fit(flat)
    forest = IsolationForest(random_state=seed).fit(flat)
    neighbours = NearestNeighbors(n_neighbors=1).fit(flat)

    def pca_errors(x):
        f = x.reshape(len(x), -1)
        return _autoencoder.step_errors(x, pca.inverse_transform(pca.transform(f)).reshape(x.shape))

    def per_step(window_scores):
        return np.repeat(np.asarray(window_scores, "float64")[:, None], steps, axis=1)

    return {
        f"PCA reconstruction ({pca.n_components_} components)": pca_errors,
        "isolation forest": lambda x: per_step(-forest.score_samples(x.reshape(len(x), -1))),
        "distance to nearest normal": lambda x: per_step(
            neighbours.kneighbors(x.reshape(len(x), -1))[0][:, 0]
        ),
    }


def distinct_worst(errors, first, span, count):
    """The `count` highest-error windows that share no rows, highest first."""
    picks = []
    for i in np.argsort(errors)[::-1]:
        if all(abs(first[i] - first[j]) >= span for j in picks):
            picks.append(int(i))
        if len(picks) == count:
            break
    return picks


def plot_series_errors(path, values, labels, rows, errors, threshold, *, y_label, x_label):
    """The test rows' first target series above their errors and the threshold."""
    figure = _plots.new_figure(nrows=2, width=11, height=3)
    top, bottom = figure.axes
    top.plot(rows, values, color="black", lw=0.8)
    top.set_ylabel(y_label)
    bottom.plot(rows, errors, color="tab:blue", lw=0.8, label="reconstruction error")
    bottom.axhline(threshold, color="tab:red", ls="--", label="threshold")
    bottom.set_yscale("log")
    bottom.set_ylabel("error")
    bottom.set_xlabel(x_label)
    if labels is not None:
        for ax in figure.axes:
            ax.fill_between(
                rows,
                0,
                1,
                where=labels,
                color="tab:red",
                alpha=0.2,
                transform=ax.get_xaxis_transform(),
                label="labelled anomaly",
            )
    bottom.legend(fontsize=8, loc="upper left")
    _plots.save_figure(path, figure)


def plot_sequence_errors(path, errors, truth, threshold, normal_label):
    figure = _plots.new_figure(width=8)
    ax = figure.axes[0]
    index = np.arange(len(errors))
    ax.scatter(index[~truth], errors[~truth], s=10, label=f"normal ({normal_label})")
    ax.scatter(index[truth], errors[truth], s=10, color="tab:red", label="anomalous")
    ax.axhline(threshold, color="tab:red", ls="--", label="threshold")
    ax.set_yscale("log")
    ax.set_xlabel("test sequence")
    ax.set_ylabel("reconstruction error")
    ax.legend(fontsize=8)
    _plots.save_figure(path, figure)


if __name__ == "__main__":
    _cli.run(main)
