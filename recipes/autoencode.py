"""Train an LSTM autoencoder to flag anomalies or to embed sequences, beside baselines.

--task anomaly (default: a generated sensor series with labelled anomalies, see
`zoo.data.make_anomaly_series`). Series: `--data FILE.csv --target COLUMNS` is
split by time into training, validation and test rows; the model learns to
reconstruct `--window`-row windows of the training rows, every row is scored by
the mean squared reconstruction error of the windows of its part that cover it,
and a row is flagged when its error passes the `--threshold-quantile` of the
validation rows' errors. With `--label-column` (nonzero = anomalous), windows
touching labelled rows are kept out of training and of the threshold, and the
test rows are scored against the labels. Labelled sequences: `--train FILE
[--test FILE] --normal-label L` trains on the sequences of class L and scores
every test sequence; any other class is an anomaly.

--task embed (default: the bundled digits): trains on `--train` without labels,
then a logistic regression on the latent vectors (a linear probe) is scored
beside the same classifier on the raw flattened sequences.

    KERAS_BACKEND=jax python -m recipes.autoencode
    python -m recipes.autoencode --task embed
    python -m recipes.autoencode --data plant.csv --target temperature --label-column fault
    python -m recipes.autoencode --train ECG200_TRAIN.ts --test ECG200_TEST.ts --normal-label 1

Writes to --out: model.keras, metrics.json, history.csv, learning_curves.png,
reconstruction.png, and scores.csv and errors.png (anomaly) or embeddings.npz
(embed).
"""

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import zoo
from recipes import _common as common
from zoo import data

ANOMALY_METRICS = ["precision", "recall", "f1", "roc_auc", "average_precision"]
GENERATED = {"target": ("value",), "label_column": "anomaly", "window": 50}
VALIDATION_FRACTION = 0.2  # of the training sequences, for early stopping (and the threshold)


def parse_args(argv=None):
    p = common.parser(
        __doc__.splitlines()[0],
        "autoencode",
        default_model="lstm_autoencoder",
        default_epochs=100,
        default_patience=10,
        default_dropout=0.0,
        default_units=(64,),
        bidirectional=False,
    )
    p.add_argument("--task", choices=["anomaly", "embed"], default="anomaly")
    common.data_flags(
        p,
        data_help="anomaly: CSV of series, one column each (default: a generated series)",
        train_help="labelled sequences: .npz, .csv or .ts (embed default: digits)",
        target_help="anomaly: column(s) to model, comma-separated",
        window=GENERATED["window"],
        test_size=0.4,
        val_size=0.2,
    )
    p.add_argument(
        "--label-column",
        help="anomaly --data: column marking anomalous rows (nonzero); --train .csv: the labels",
    )
    p.add_argument("--normal-label", help="anomaly --train: the class of normal sequences")
    p.add_argument(
        "--threshold-quantile",
        type=common.fraction,
        default=0.99,
        help="flag errors above this quantile of the validation errors",
    )
    p.add_argument("--latent-dim", type=common.positive_int, default=16)
    p.add_argument(
        "--future-steps",
        type=int,
        default=0,
        help="also predict the last N steps of each window from the rest (composite model)",
    )
    p.add_argument(
        "--conditional",
        action="store_true",
        help="decoders read their previous step (true in training, their own at inference)",
    )
    p.add_argument(
        "--no-reverse",
        dest="reverse",
        action="store_false",
        help="reconstruct in input order instead of reversed",
    )
    args = p.parse_args(argv)
    args.scaler = None if args.scaler == "none" else args.scaler
    if args.data and args.train:
        p.error("give --data (series) or --train (labelled sequences), not both")
    if args.test and not args.train:
        p.error("--test needs --train")
    if args.future_steps < 0:
        p.error(f"argument --future-steps: expected 0 or more, got {args.future_steps}")
    if args.task == "embed" and args.data:
        p.error("--task embed needs labelled sequences (--train), not --data")
    if args.task == "anomaly" and args.train and args.normal_label is None:
        p.error("--task anomaly with --train needs --normal-label, the class of normal sequences")
    if args.task == "anomaly" and not args.train and args.normal_label is not None:
        p.error("--normal-label needs labelled sequences (--train)")
    if args.task == "anomaly" and not args.data and not args.train:  # the generated default
        args.target = args.target or GENERATED["target"]
        args.label_column = args.label_column or GENERATED["label_column"]
    return args


# === The model's inputs, targets and errors ===


def split_future(x, args):
    """Sequences (n, steps, features) as (what the encoder reads, the future to predict)."""
    k = args.future_steps
    if k and k >= x.shape[1]:
        raise common.BadInput(
            f"--future-steps {k} leaves no steps to encode in sequences of {x.shape[1]} steps"
        )
    return (x[:, :-k], x[:, -k:]) if k else (x, None)


def model_inputs(x, args, training):
    sequence, future = split_future(x, args)
    if future is None or not args.conditional:
        return sequence
    # the conditional composite reads the true future only while training
    return {"sequence": sequence, "true_future": future if training else np.zeros_like(future)}


def model_targets(x, args):
    sequence, future = split_future(x, args)
    return sequence if future is None else {"reconstruction": sequence, "future": future}


def reconstruct(model, x, args):
    """The model's reconstruction (and future) of `x`, lined up with `x`."""
    output = model.predict(model_inputs(x, args, training=False), batch_size=256, verbose=0)
    if isinstance(output, dict):
        output = np.concatenate([output["reconstruction"], output["future"]], axis=1)
    return output


def step_errors(x, reconstructed):
    """Squared error per sequence and step, averaged over features: (n, steps)."""
    return np.mean((np.asarray(reconstructed, "float64") - x) ** 2, axis=2)


def build(args, x):
    steps = split_future(x, args)[0].shape[1]
    model = zoo.get_model(
        args.model,
        input_shape=(steps, x.shape[2]),
        latent_dim=args.latent_dim,
        encoder_units=args.units,
        decoder_units=tuple(reversed(args.units)),
        future_steps=args.future_steps,
        reverse=args.reverse,
        conditional=args.conditional,
        dropout=args.dropout,
    )
    return common.compile_model(model, args, loss="mse")


def fit(args, x_fit, x_val):
    model = build(args, x_fit)
    history, seconds = common.train(
        model,
        model_inputs(x_fit, args, training=True),
        model_targets(x_fit, args),
        (model_inputs(x_val, args, training=True), model_targets(x_val, args)),
        args,
    )
    return model, history, seconds


# === Data ===


def sequences(x, path):
    """Equal-length sequences with gaps filled, or a clear error."""
    x, padded = data.prepare(x, normalize=None)
    if padded:
        found = data.lengths(np.where(x == data.MASK_VALUE, np.nan, x))
        raise common.BadInput(
            f"{path}: the autoencoder needs sequences of one length; "
            f"found {found.min()} to {found.max()} steps"
        )
    return x


def labelled_sequences(args):
    x_train, y_train, x_test, y_test, dataset = common.labelled_data(args)
    x_train, x_test = data.same_length(x_train, x_test)
    return sequences(x_train, dataset), y_train, sequences(x_test, dataset), y_test, dataset


def part_windows(values, span, start, stop, stride=1):
    """Windows of `span` rows lying inside rows [start, stop), and their first rows."""
    first = np.arange(start, stop - span + 1, stride)
    if len(first) == 0:
        return np.zeros((0, span, values.shape[1]), "float32"), first
    view = np.lib.stride_tricks.sliding_window_view(values, span, axis=0)  # (n, F, span)
    return np.ascontiguousarray(view[first].transpose(0, 2, 1)), first


def touches(labels, first, span):
    """Which windows hold at least one labelled row."""
    if labels is None:
        return np.zeros(len(first), bool)
    flagged = np.concatenate([[0], np.cumsum(labels)])
    return flagged[first + span] - flagged[first] > 0


def row_scores(errors, first, start, stop):
    """Each row of [start, stop): the mean of the errors its windows give it (NaN if none)."""
    span = errors.shape[1]
    total, count = np.zeros(stop - start), np.zeros(stop - start)
    for j in range(span):
        np.add.at(total, first - start + j, errors[:, j])
        np.add.at(count, first - start + j, 1)
    return np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0)


# === Anomaly detection ===


def anomaly_series(args):
    table, dataset = common.series_table(
        args,
        lambda: (
            data.make_anomaly_series(),
            "generated sensor series (zoo.data.make_anomaly_series)",
        ),
    )
    values = table.columns(list(args.target), "--target")
    labels = None
    if args.label_column:
        if args.label_column in args.target:
            raise common.BadInput(f"--label-column {args.label_column!r} is also a --target")
        labels = table.columns([args.label_column], "--label-column")[:, 0] != 0
    train_end, val_end = data.chronological_split(len(values), args.test_size, args.val_size)
    span = args.window + args.future_steps
    fit_rows = values[:train_end] if labels is None else values[:train_end][~labels[:train_end]]
    scaler = data.make_scaler(args.scaler).fit(fit_rows)
    series = scaler.transform(values).astype("float32")

    parts = {}
    for part, (start, stop) in {
        "train": (0, train_end),
        "val": (train_end, val_end),
        "test": (val_end, len(values)),
    }.items():
        stride = args.stride if part == "train" else 1
        x, first = part_windows(series, span, start, stop, stride)
        if len(x) == 0:
            raise common.BadInput(
                f"no {part} windows: the {part} part has {stop - start} rows, fewer than "
                f"--window {args.window} + --future-steps {args.future_steps}"
            )
        parts[part] = (x, first, touches(labels, first, span), start, stop)
    x_train, _, dirty_train, *_ = parts["train"]
    x_val, first_val, dirty_val, val_start, _ = parts["val"]
    x_test, first_test, _, test_start, test_stop = parts["test"]
    if dirty_train.all() or dirty_val.all():
        part = "training" if dirty_train.all() else "validation"
        raise common.BadInput(f"every {part} window touches a labelled anomaly")
    # validation rows are scored from their normal windows only: the threshold
    # should reflect normal behaviour, not the neighbours of a labelled anomaly
    x_train, x_val, first_val = x_train[~dirty_train], x_val[~dirty_val], first_val[~dirty_val]
    print(
        f"{dataset}: {len(values)} rows of {len(args.target)} series; "
        f"{len(x_train)} normal training windows of {args.window} rows"
        + (f" + {args.future_steps} future" if args.future_steps else "")
        + f", {len(dirty_val)} validation and {len(x_test)} test windows"
        + (f"; {int(labels.sum())} labelled anomalous rows" if labels is not None else "")
        + f"; backend {keras.backend.backend()}"
    )
    model, history, seconds = fit(args, x_train, x_val)

    both = np.concatenate([x_val, x_test])
    reconstructed = reconstruct(model, both, args)
    errors = step_errors(both, reconstructed)
    n_val = len(x_val)
    scorers = {args.model: (errors[:n_val], errors[n_val:])}
    for name, scorer in window_baselines(args, x_train).items():
        scorers[name] = (scorer(x_val), scorer(x_test))

    truth = None if labels is None else labels[test_start:test_stop]
    results = {}
    for name, (errors_val, errors_test) in scorers.items():
        val_rows = row_scores(errors_val, first_val, val_start, val_end)
        test_rows = row_scores(errors_test, first_test, test_start, test_stop)
        threshold = float(np.quantile(val_rows[~np.isnan(val_rows)], args.threshold_quantile))
        results[name] = detection(truth, test_rows, threshold)
        if name == args.model:
            model_rows, model_threshold = test_rows, threshold
    times = table.dates if table.dates is not None else np.arange(len(values)).astype(str)
    rows = zip(times[test_start:test_stop], model_rows, model_rows > model_threshold, strict=True)
    header = ["time", "error", "flagged"]
    table_rows = [(t, float(e), int(f)) for t, e, f in rows]
    if truth is not None:
        header.append("anomaly")
        table_rows = [(*row, int(a)) for row, a in zip(table_rows, truth, strict=True)]
    common.write_csv(args.out / "scores.csv", header, table_rows)
    plot_series_errors(args, values, labels, (test_start, test_stop), model_rows, model_threshold)
    window_errors = errors[n_val:].mean(axis=1)
    picks = distinct_worst(window_errors, first_test, span, 2) + [
        int(np.argsort(window_errors)[len(window_errors) // 2])
    ]
    plot_reconstructions(
        args,
        x_test[picks],
        reconstructed[n_val:][picks],
        [f"test window at row {first_test[i]}: error {window_errors[i]:.3g}" for i in picks],
    )
    extra = {
        "mode": "series",
        "unit": "row",
        "window": args.window,
        "train_windows": len(x_train),
        "test_rows": int(test_stop - test_start),
        "test_anomalous_rows": None if truth is None else int(truth.sum()),
    }
    return model, dataset, history, seconds, results, extra


def anomaly_sequences(args):
    x_train, y_train, x_test, y_test, dataset = labelled_sequences(args)
    known = sorted({str(v) for v in np.unique(y_train)})
    if args.normal_label not in known:
        raise common.BadInput(f"--normal-label {args.normal_label!r} is not one of {known[:20]}")
    normal = np.array([str(v) == args.normal_label for v in y_train])
    truth = np.array([str(v) != args.normal_label for v in y_test])
    x_fit, x_val = train_test_split(
        x_train[normal], test_size=VALIDATION_FRACTION, random_state=args.seed
    )
    x_fit, x_val, x_test = common.scaled_sequences(args.scaler, x_fit, x_fit, x_val, x_test)
    print(
        f"{dataset}: {len(x_fit)} train and {len(x_val)} validation sequences of class "
        f"{args.normal_label}, {len(x_test)} test sequences ({int(truth.sum())} anomalous) "
        f"of {x_test.shape[1]} steps x {x_test.shape[2]} features; "
        f"backend {keras.backend.backend()}"
    )
    model, history, seconds = fit(args, x_fit, x_val)
    both = np.concatenate([x_val, x_test])
    reconstructed = reconstruct(model, both, args)
    errors = step_errors(both, reconstructed).mean(axis=1)
    scorers = {args.model: (errors[: len(x_val)], errors[len(x_val) :])}
    for name, scorer in window_baselines(args, x_fit).items():
        scorers[name] = (scorer(x_val).mean(axis=1), scorer(x_test).mean(axis=1))
    results = {}
    for name, (scores_val, scores_test) in scorers.items():
        threshold = float(np.quantile(scores_val, args.threshold_quantile))
        results[name] = detection(truth, scores_test, threshold)
    model_scores = scorers[args.model][1]
    flagged = model_scores > results[args.model]["threshold"]
    common.write_csv(
        args.out / "scores.csv",
        ["index", "label", "error", "flagged", "anomaly"],
        [
            (i, label, float(e), int(f), int(a))
            for i, (label, e, f, a) in enumerate(
                zip(y_test, model_scores, flagged, truth, strict=True)
            )
        ],
    )
    plot_sequence_errors(args, model_scores, truth, results[args.model]["threshold"])
    picks = [*np.flatnonzero(~truth)[:2], *np.flatnonzero(truth)[:2]]
    plot_reconstructions(
        args,
        x_test[picks],
        reconstructed[len(x_val) :][picks],
        [f"test {i} ({'anomaly' if truth[i] else 'normal'}, label {y_test[i]})" for i in picks],
    )
    extra = {
        "mode": "sequences",
        "unit": "sequence",
        "normal_label": args.normal_label,
        "test_sequences": len(x_test),
        "test_anomalous_sequences": int(truth.sum()),
    }
    return model, dataset, history, seconds, results, extra


def distinct_worst(errors, first, span, count):
    """The `count` highest-error windows that share no rows, highest first."""
    picks = []
    for i in np.argsort(errors)[::-1]:
        if all(abs(first[i] - first[j]) >= span for j in picks):
            picks.append(int(i))
        if len(picks) == count:
            break
    return picks


def window_baselines(args, x_train):
    """Scorers fit on the normal training windows, each returning (n, steps) scores."""
    flat = x_train.reshape(len(x_train), -1)
    steps = x_train.shape[1]
    pca = PCA(n_components=min(args.latent_dim, *flat.shape), random_state=args.seed).fit(flat)
    forest = IsolationForest(random_state=args.seed).fit(flat)
    neighbours = NearestNeighbors(n_neighbors=1).fit(flat)

    def pca_errors(x):
        f = x.reshape(len(x), -1)
        return step_errors(x, pca.inverse_transform(pca.transform(f)).reshape(x.shape))

    def per_step(window_scores):
        return np.repeat(np.asarray(window_scores, "float64")[:, None], steps, axis=1)

    return {
        f"PCA reconstruction ({pca.n_components_} components)": pca_errors,
        "isolation forest": lambda x: per_step(-forest.score_samples(x.reshape(len(x), -1))),
        "distance to nearest normal": lambda x: per_step(
            neighbours.kneighbors(x.reshape(len(x), -1))[0][:, 0]
        ),
    }


def detection(truth, scores, threshold):
    """Precision, recall, F1 of `scores > threshold`, and ROC AUC and average
    precision of `scores`, against `truth` (None: no labels, counts only)."""
    flagged = scores > threshold
    result = {"threshold": threshold, "flagged": int(flagged.sum())}
    if truth is None or truth.all() or not truth.any():
        return {**result, **dict.fromkeys(ANOMALY_METRICS)}
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, flagged, average="binary", zero_division=0
    )
    return {
        **result,
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": float(roc_auc_score(truth, scores)),
        "average_precision": float(average_precision_score(truth, scores)),
    }


def anomaly(args):
    task = anomaly_sequences if args.train else anomaly_series
    model, dataset, history, seconds, results, extra = task(args)
    ours = results.pop(args.model)
    rows = [{"name": args.model, **ours}] + [{"name": n, **v} for n, v in results.items()]
    common.print_table(
        f"Test {extra['unit']}s, threshold at the {args.threshold_quantile} quantile "
        "of validation errors",
        rows,
        ANOMALY_METRICS + ["flagged"],
    )
    if ours["roc_auc"] is None:
        print("note: no labels, so no precision, recall or ROC AUC; see scores.csv")
    metrics = {
        **ours,
        "threshold_quantile": args.threshold_quantile,
        "baselines": results,
        **extra,
    }
    return model, dataset, history, seconds, metrics


# === Embedding ===


def embed(args):
    x_train, y_train, x_test, y_test, dataset = labelled_sequences(args)
    x_fit, x_val = train_test_split(x_train, test_size=VALIDATION_FRACTION, random_state=args.seed)
    x_fit, x_val, x_train, x_test = common.scaled_sequences(
        args.scaler, x_fit, x_fit, x_val, x_train, x_test
    )
    print(
        f"{dataset}: {len(x_fit)} train, {len(x_val)} validation (labels unused), "
        f"{len(x_test)} test sequences of {x_train.shape[1]} steps x {x_train.shape[2]} "
        f"features; backend {keras.backend.backend()}"
    )
    model, history, seconds = fit(args, x_fit, x_val)
    encoder = model.get_layer("encoder")
    encode = lambda x: encoder.predict(split_future(x, args)[0], batch_size=256, verbose=0)  # noqa: E731
    z_train, z_test = encode(x_train), encode(x_test)
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    probes = {
        "latent vectors": (z_train, z_test),
        "raw flattened series": (flat_train, flat_test),
    }
    pca = PCA(n_components=min(args.latent_dim, *flat_train.shape), random_state=args.seed)
    probes[f"PCA ({pca.n_components} components)"] = (
        pca.fit_transform(flat_train),
        pca.transform(flat_test),
    )
    accuracy = {}
    for name, (train, test) in probes.items():
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
        accuracy[name] = float(accuracy_score(y_test, probe.fit(train, y_train).predict(test)))
    rows = [{"name": f"{name}", "probe_accuracy": value} for name, value in accuracy.items()]
    common.print_table(
        f"Linear probe (logistic regression) on {len(x_test)} test sequences",
        rows,
        ["probe_accuracy"],
    )
    reconstructed = reconstruct(model, x_test[:4], args)
    plot_reconstructions(
        args, x_test[:4], reconstructed, [f"test {i} (label {y_test[i]})" for i in range(4)]
    )
    with common.atomic_path(args.out / "embeddings.npz") as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            train_embeddings=z_train,
            train_labels=y_train,
            test_embeddings=z_test,
            test_labels=y_test,
        )
    metrics = {
        "probe_accuracy": accuracy["latent vectors"],
        "raw_probe_accuracy": accuracy["raw flattened series"],
        "baselines": {name: {"probe_accuracy": v} for name, v in list(accuracy.items())[1:]},
        "test_reconstruction_mse": float(step_errors(x_test[:4], reconstructed).mean()),
        "latent_dim": args.latent_dim,
        "test_sequences": len(x_test),
    }
    return model, dataset, history, seconds, metrics


# === Plots ===


def plot_reconstructions(args, x, reconstructed, titles):
    """Inputs beside their reconstructions: lines for up to 3 features, else images."""
    figure = common.new_figure(nrows=len(x), ncols=1 if x.shape[2] <= 3 else 2, height=2.7)
    axes = np.array(figure.axes).reshape(len(x), -1)
    for row, (original, rebuilt, title) in enumerate(zip(x, reconstructed, titles, strict=True)):
        if x.shape[2] <= 3:
            ax = axes[row, 0]
            for f in range(x.shape[2]):
                ax.plot(original[:, f], color=f"C{f}", label="input" if f == 0 else None)
                ax.plot(rebuilt[:, f], color=f"C{f}", ls="--", label="output" if f == 0 else None)
            if args.future_steps:
                ax.axvline(x.shape[1] - args.future_steps - 0.5, color="gray", ls=":")
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=8, loc="upper right")
            continue
        low, high = float(original.min()), float(original.max())
        for ax, image, name in zip(
            axes[row], (original, rebuilt), ("input", "output"), strict=True
        ):
            ax.imshow(image.T, aspect="auto", vmin=low, vmax=high, cmap="viridis")
            ax.set_title(f"{title}: {name}", fontsize=9)
            ax.set_ylabel("feature")
    axes[-1, 0].set_xlabel("step")
    common.save_figure(args.out / "reconstruction.png", figure)


def plot_series_errors(args, values, labels, test_rows, errors, threshold):
    """The test rows' first target series above their errors and the threshold."""
    start, stop = test_rows
    figure = common.new_figure(nrows=2, width=11, height=3)
    top, bottom = figure.axes
    axis = np.arange(start, stop)
    top.plot(axis, values[start:stop, 0], color="black", lw=0.8)
    top.set_ylabel(args.target[0])
    bottom.plot(axis, errors, color="tab:blue", lw=0.8, label="reconstruction error")
    bottom.axhline(threshold, color="tab:red", ls="--", label="threshold")
    bottom.set_yscale("log")
    bottom.set_ylabel("error")
    bottom.set_xlabel(f"row ({args.date_column})" if args.date_column else "row")
    if labels is not None:
        for ax in figure.axes:
            ax.fill_between(
                axis,
                0,
                1,
                where=labels[start:stop],
                color="tab:red",
                alpha=0.2,
                transform=ax.get_xaxis_transform(),
                label="labelled anomaly",
            )
    bottom.legend(fontsize=8, loc="upper left")
    common.save_figure(args.out / "errors.png", figure)


def plot_sequence_errors(args, errors, truth, threshold):
    figure = common.new_figure(width=8)
    ax = figure.axes[0]
    index = np.arange(len(errors))
    ax.scatter(index[~truth], errors[~truth], s=10, label=f"normal ({args.normal_label})")
    ax.scatter(index[truth], errors[truth], s=10, color="tab:red", label="anomalous")
    ax.axhline(threshold, color="tab:red", ls="--", label="threshold")
    ax.set_yscale("log")
    ax.set_xlabel("test sequence")
    ax.set_ylabel("reconstruction error")
    ax.legend(fontsize=8)
    common.save_figure(args.out / "errors.png", figure)


def main(argv=None):
    args = parse_args(argv)
    with common.distributed(args):  # one device, or --distribute's data parallelism
        autoencode(args)


def autoencode(args):
    common.seed_everything(args.seed)
    model, dataset, history, seconds, metrics = (anomaly if args.task == "anomaly" else embed)(args)
    metrics = {
        **metrics,
        "task": args.task,
        "model": args.model,
        "dataset": dataset,
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **common.environment(args),
    }
    common.save_run(args, model, history, metrics)


if __name__ == "__main__":
    common.run(main)
