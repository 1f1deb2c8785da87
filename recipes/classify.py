"""Sequence classification: an LSTM against the majority class and scikit-learn.

    python -m recipes.classify                      # bundled digits, rows as time steps
    KERAS_BACKEND=torch python -m recipes.classify --train Train.ts --test Test.ts
    python -m recipes.classify --train series.csv --label-column label --out runs/mine
    python -m recipes.classify --out runs/mine --resume   # continue an interrupted run

Reads `.npz` (arrays x, y), `.csv` (one series per row, label in a column) or
UCR/UEA `.ts`. Without --test, a stratified quarter of --train is the test set.
Writes to --out: model.keras, metrics.json, history.csv, predictions.csv,
learning_curves.png and confusion_matrix.png.
"""

import keras
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler

from recipes import _common as common
from zoo import data


def parse_args(argv=None):
    p = common.parser(__doc__.splitlines()[0], "classify", default_model="stacked_lstm")
    p.add_argument("--train", help="training file: .npz, .csv or .ts (default: digits)")
    p.add_argument("--test", help="test file (default: a stratified split of --train)")
    p.add_argument("--label-column", help="CSV label column: name or 0-based index (default: 0)")
    p.add_argument(
        "--val-split",
        type=common.fraction,
        default=0.2,
        help="fraction of the training set held out for early stopping",
    )
    p.add_argument(
        "--normalize",
        choices=["series", "channel", "none"],
        default="series",
        help="z-normalise each series (series), each series' channel (channel), or not at all",
    )
    p.add_argument(
        "--no-normalize",
        dest="normalize",
        action="store_const",
        const="none",
        help="same as --normalize none",
    )
    args = p.parse_args(argv)
    args.normalize = None if args.normalize == "none" else args.normalize
    if args.test and not args.train:
        p.error("--test needs --train")
    return args


def baselines(x_train, y_train, x_test, y_test):
    flat_train = data.flatten_for_baseline(x_train)
    flat_test = data.flatten_for_baseline(x_test)
    candidates = {
        "majority class": DummyClassifier(strategy="most_frequent"),
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "1-nearest neighbour": KNeighborsClassifier(n_neighbors=1),
    }
    results = {}
    for name, estimator in candidates.items():
        predicted = estimator.fit(flat_train, y_train).predict(flat_test)
        results[name] = scores(y_test, predicted)
    return results


def scores(y_true, y_pred):
    return {
        "test_accuracy": float(accuracy_score(y_true, y_pred)),
        "test_macro_f1": float(f1_score(y_true, y_pred, average="macro")),
    }


def main(argv=None):
    args = parse_args(argv)
    with common.distributed(args):  # one device, or --distribute's data parallelism
        classify(args)


def classify(args):
    common.seed_everything(args.seed)

    # === Load and prepare ===
    x_train, y_train, x_test, y_test, dataset = common.labelled_data(args)
    x_train, x_test = data.same_length(x_train, x_test)
    x_train, padded_train = data.prepare(x_train, normalize=args.normalize)
    x_test, padded_test = data.prepare(x_test, normalize=args.normalize)
    padded = padded_train or padded_test
    encoder = LabelEncoder().fit(y_train)
    unseen = sorted(set(np.unique(y_test)) - set(encoder.classes_), key=str)
    if unseen:
        raise common.BadInput(f"test labels not in the training set: {unseen[:5]}")
    if len(encoder.classes_) < 2:
        raise common.BadInput(f"need at least 2 classes, found {list(encoder.classes_)}")
    labels_train = encoder.transform(y_train)
    x_fit, x_val, labels_fit, labels_val = train_test_split(
        x_train,
        labels_train,
        test_size=args.val_split,
        random_state=args.seed,
        stratify=common.stratify(labels_train),
    )

    # === Build ===
    timesteps = None if padded else x_train.shape[1]
    model = common.compiled_model(
        args,
        (timesteps, x_train.shape[2]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        masking=padded,
        num_classes=len(encoder.classes_),
    )

    # === Train ===
    print(
        f"{dataset}: {len(x_fit)} train, {len(x_val)} validation, {len(x_test)} test "
        f"sequences of {x_train.shape[1]} steps x {x_train.shape[2]} features, "
        f"{len(encoder.classes_)} classes; backend {keras.backend.backend()}"
    )
    history, seconds = common.train(model, x_fit, labels_fit, (x_val, labels_val), args)

    # === Evaluate ===
    predicted = encoder.inverse_transform(
        np.argmax(model.predict(x_test, verbose=0, batch_size=256), axis=-1)
    )
    results = scores(y_test, predicted)
    reference = baselines(x_train, y_train, x_test, y_test)

    # === Report ===
    rows = [{"name": args.model, **results}]
    rows += [{"name": name, **values} for name, values in reference.items()]
    common.print_table(
        f"Test set ({len(y_test)} sequences)", rows, ["test_accuracy", "test_macro_f1"]
    )
    metrics = {
        **results,
        "baselines": reference,
        "model": args.model,
        "dataset": dataset,
        "classes": encoder.classes_.tolist(),
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **common.environment(args),
    }
    common.write_csv(
        args.out / "predictions.csv",
        ["index", "true", "predicted"],
        [(i, t, p) for i, (t, p) in enumerate(zip(y_test, predicted, strict=True))],
    )
    figure = common.new_figure(width=7, height=6)
    ConfusionMatrixDisplay.from_predictions(
        y_test, predicted, labels=encoder.classes_, ax=figure.axes[0], colorbar=False
    )
    figure.axes[0].set_title(f"{args.model}: accuracy {results['test_accuracy']:.3f}")
    common.save_figure(args.out / "confusion_matrix.png", figure)
    common.save_run(args, model, history, metrics, curve_metric="accuracy")


if __name__ == "__main__":
    common.run(main)
