"""Sequence classification: a zoo model against the majority class, scikit-learn and aeon.

    python -m recipes.classify                      # bundled digits, rows as time steps
    python -m recipes.classify --dataset GunPoint   # a published dataset, official split
    KERAS_BACKEND=torch python -m recipes.classify --train Train.ts --test Test.ts
    python -m recipes.classify --train series.csv --label-column label --out runs/mine
    python -m recipes.classify --dataset ArrowHead --ensemble 5
    python -m recipes.classify --out runs/mine --resume   # continue an interrupted run
    python -m recipes.classify --plot-gates         # and gates.png: the LSTM's gates over time

Reads `.npz` (arrays x, y), `.csv` (one series per row, label in a column) or
UCR/UEA `.ts`, or `--dataset NAME` through aeon. Without --test, a stratified
quarter of --train is the test set. Training follows `zoo.training`'s policy.
Writes to --out: model.keras, metrics.json, history.csv, predictions.csv,
learning_curves.png and confusion_matrix.png (and with --plot-gates gates.png,
`zoo.inspect.plot_gates` on the first test sequences).
"""

import keras
import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, f1_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import zoo
import zoo.training
from recipes import _artifacts, _cli, _data, _io, _plots, _prepare, _run, _training
from zoo import data

DEFAULT_MODEL = "lstm_fcn"
# Below this many training cases nothing is held out: the policy trains a fixed
# budget on every case (zoo.training's "cosine" schedule); from it on, a tenth
# is held out for early stopping. See docs/training.md.
HOLD_OUT_FROM, HOLD_OUT = 500, 0.1
GATE_SEQUENCES = 3  # test sequences --plot-gates draws


def parse_args(argv=None):
    p = _cli.parser(
        __doc__.splitlines()[0],
        "classify",
        task="classification",
        default_model=DEFAULT_MODEL,
        default_units=(8,),
        dropout=0.8,
    )
    _cli.labelled_flags(p)
    p.add_argument(
        "--val-split",
        type=_cli.rate,
        help=f"fraction of the training set held out for early stopping (0: none; "
        f"default: none below {HOLD_OUT_FROM} training cases, else {HOLD_OUT})",
    )
    p.add_argument(
        "--normalize",
        choices=["auto", "series", "channel", "global", "none"],
        default="auto",
        help="z-normalise each series (series), each series' channel (channel), each "
        "channel by its training mean and deviation (global), or not at all; auto: series "
        "for univariate data (the UCR convention), global for multivariate data, whose "
        "channels' levels carry information (JapaneseVowels: 0.81 per series, 0.99 global)",
    )
    p.add_argument(
        "--no-normalize",
        dest="normalize",
        action="store_const",
        const="none",
        help="same as --normalize none",
    )
    p.add_argument(
        "--no-classic-baselines",
        dest="classic_baselines",
        action="store_false",
        help="skip 1-NN DTW and MiniRocket (aeon), which take long on long series",
    )
    p.add_argument(
        "--plot-gates",
        action="store_true",
        help=f"also write gates.png: each LSTM layer's gates, cell and hidden states over "
        f"time for the first {GATE_SEQUENCES} test sequences (zoo.inspect)",
    )
    args = p.parse_args(argv)
    if args.test and not args.train:
        p.error("--test needs --train")
    return args


def main(argv=None):
    args = parse_args(argv)
    out = args.out
    keras.utils.set_random_seed(args.seed)

    # === Load and prepare ===
    x_train, y_train, x_test, y_test, dataset, normalization, scaler, padded, encoder = (
        _prepare.load_prepared(
            train=args.train,
            test=args.test,
            dataset=args.dataset,
            label_column=args.label_column,
            normalize=args.normalize,
            seed=args.seed,
        )
    )
    labels_train = encoder.transform(y_train)
    held_out = args.val_split
    if held_out is None:
        held_out = HOLD_OUT if len(x_train) >= HOLD_OUT_FROM else 0.0
    split = _data.validation_split(x_train, labels_train, held_out, args.seed, classes=True)
    x_fit, x_val, labels_fit, labels_val = split or (x_train, None, labels_train, None)
    validation = None if x_val is None else (x_val, labels_val)

    with _artifacts.opened(**_cli.run_flags(args)) as (devices, state, policy):
        # === Build ===
        def build():
            model = zoo.get_model(
                args.model,
                input_shape=(None if padded else x_train.shape[1], x_train.shape[2]),
                units=_cli.builder_units(args.model, args.units),
                dropout=args.dropout,
                masking=padded,
                mask_value=data.MASK_VALUE,
                num_classes=len(encoder.classes_),
                **({"bidirectional": True} if args.bidirectional else {}),
            )
            return zoo.training.compile(
                model, policy, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
            )

        # === Train ===
        print(
            f"{dataset}: {len(x_fit)} train, {0 if x_val is None else len(x_val)} validation, "
            f"{len(x_test)} test sequences of {x_train.shape[1]} steps x {x_train.shape[2]} "
            f"features, {len(encoder.classes_)} classes; backend {keras.backend.backend()}"
        )
        model, history, seconds, members = _training.ensemble(
            build,
            lambda model, member_state: _training.train(
                model,
                x_fit,
                labels_fit,
                validation,
                policy=policy,
                state=member_state,
                devices=devices,
            ),
            members=args.ensemble,
            seed=args.seed,
            state=state,
        )

        # === Evaluate ===
        def predict(m):
            return encoder.inverse_transform(
                np.argmax(m.predict(x_test, verbose=0, batch_size=256), axis=-1)
            )

        predicted = predict(model)
    results = scores(y_test, predicted)
    if len(members) > 1:
        single = [scores(y_test, predict(m)) for m in members]
        results["member_test_accuracy"] = [s["test_accuracy"] for s in single]
        results["mean_member_test_accuracy"] = float(np.mean(results["member_test_accuracy"]))
    reference = baselines(x_train, y_train, x_test, y_test, classic=args.classic_baselines)

    # === Report ===
    name = args.model if args.ensemble == 1 else f"{args.model} (ensemble of {args.ensemble})"
    rows = [{"name": name, **results}]
    if len(members) > 1:
        rows.append(
            {"name": "  mean single member", "test_accuracy": results["mean_member_test_accuracy"]}
        )
    rows += [{"name": label, **values} for label, values in reference.items()]
    _plots.print_table(
        f"Test set ({len(y_test)} sequences)", rows, ["test_accuracy", "test_macro_f1"]
    )
    metrics = {
        **results,
        "baselines": reference,
        "model": args.model,
        "ensemble": args.ensemble,
        "dataset": dataset,
        "normalize": normalization,
        "classes": [str(c) for c in encoder.classes_],
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **_artifacts.environment(args.seed, devices),
    }
    _io.write_csv(
        out / "predictions.csv",
        ["index", "true", "predicted"],
        [(i, t, p) for i, (t, p) in enumerate(zip(y_test, predicted, strict=True))],
    )
    figure = _plots.new_figure(width=7, height=6)
    ConfusionMatrixDisplay.from_predictions(
        y_test, predicted, labels=encoder.classes_, ax=figure.axes[0], colorbar=False
    )
    figure.axes[0].set_title(f"{name}: accuracy {results['test_accuracy']:.3f}")
    _plots.save_figure(out / "confusion_matrix.png", figure)
    if args.plot_gates:  # an ensemble's first member: one model's gates
        gates = zoo.inspect.plot_gates(members[0], x_test[:GATE_SEQUENCES])
        _plots.save_figure(out / "gates.png", gates)
    run = {
        "recipe": "classify",
        "task": "classification",
        "model": args.model,
        "flags": _cli.resume_flags(args),
        "input": _run.sequences_input(x_train, padded),
        "preparation": {
            "normalize": normalization,
            "scaler": None if scaler is None else _run.scaler_state(scaler),
            "classes": metrics["classes"],
            "label_column": args.label_column,
        },
    }
    _artifacts.save_run(
        out,
        model,
        history,
        metrics,
        curve_metric="accuracy",
        run=run,
        exports=args.export,
        timesteps=x_train.shape[1],
    )


def scores(y_true, y_pred):
    return {
        "test_accuracy": float(accuracy_score(y_true, y_pred)),
        "test_macro_f1": float(f1_score(y_true, y_pred, average="macro")),
    }


def baselines(x_train, y_train, x_test, y_test, classic=True):
    """Majority class, logistic regression and 1-NN (Euclidean) on the flattened
    series; with aeon installed and `classic`, 1-NN DTW and MiniRocket too."""
    flat_train = data.flatten_for_baseline(x_train)
    flat_test = data.flatten_for_baseline(x_test)
    candidates = {
        "majority class": DummyClassifier(strategy="most_frequent"),
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "1-NN Euclidean": KNeighborsClassifier(n_neighbors=1),
    }
    results = {
        label: scores(y_test, estimator.fit(flat_train, y_train).predict(flat_test))
        for label, estimator in candidates.items()
    }
    if classic:
        results.update(classic_baselines(x_train, y_train, x_test, y_test))
    return results


def classic_baselines(x_train, y_train, x_test, y_test):
    """1-NN DTW and MiniRocket through aeon (padding read as 0), if installed."""
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    except ImportError:
        print("note: pip install 'lstm-zoo[datasets]' adds 1-NN DTW and MiniRocket baselines")
        return {}
    as_aeon = lambda x: np.where(x == data.MASK_VALUE, 0.0, x).transpose(0, 2, 1)  # noqa: E731
    a_train, a_test = as_aeon(x_train), as_aeon(x_test)
    results = {}
    for label, estimator in {
        "1-NN DTW (aeon)": KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1),
        "MiniRocket (aeon)": MiniRocketClassifier(random_state=0),
    }.items():
        if label.startswith("MiniRocket") and a_train.shape[2] < 9:
            continue  # MiniRocket's kernels span 9 steps
        estimator.fit(a_train, np.asarray(y_train).astype(str))
        predicted = estimator.predict(a_test)
        results[label] = scores(np.asarray(y_test).astype(str), predicted)
    return results


if __name__ == "__main__":
    _cli.run(main)
