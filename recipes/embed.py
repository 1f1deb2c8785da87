"""Embed sequences with an LSTM autoencoder and score the embedding with a linear probe.

Trains the autoencoder on `--train` (or `--dataset NAME`) without labels, then a
logistic regression on the latent vectors (a linear probe) is scored beside the
same classifier on the raw flattened series and on PCA of the same width.

    KERAS_BACKEND=jax python -m recipes.embed          # bundled digits
    python -m recipes.embed --dataset ItalyPowerDemand
    python -m recipes.embed --train Train.ts --test Test.ts --latent-dim 32

Writes to --out: model.keras, metrics.json, history.csv, learning_curves.png,
reconstruction.png and embeddings.npz.
"""

import dataclasses

import keras
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from recipes import _artifacts, _autoencoder, _cli, _data, _io, _plots, _prepare, _run
from zoo import data

VALIDATION_FRACTION = 0.2  # of the training sequences, for early stopping


def parse_args(argv=None):
    p = _autoencoder.parser(__doc__.splitlines()[0], "embed")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", help=_cli.DATASET_HELP)
    source.add_argument("--train", help="labelled sequences: .npz, .csv or .ts (default: digits)")
    p.add_argument("--test", help="test file (default: a stratified quarter of --train)")
    p.add_argument("--label-column", help="CSV label column: name or 0-based index")
    p.add_argument("--scaler", choices=["standard", "minmax", "none"], default="standard")
    _autoencoder.add_flags(p)
    args = p.parse_args(argv)
    if args.test and not args.train:
        p.error("--test needs --train")
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    shape = _autoencoder.shape_from(
        conditional=args.conditional, future_steps=args.future_steps, reverse=args.reverse
    )
    scaler = _cli.scaler_kind(args.scaler)
    out, latent_dim = args.out, args.latent_dim

    # === Load and prepare ===
    x_train, y_train, x_test, y_test, dataset = _data.labelled(
        train=args.train,
        test=args.test,
        dataset=args.dataset,
        label_column=args.label_column,
        seed=args.seed,
    )
    _data.check_classes(y_train, dataset)  # the probe needs two classes or more
    x_train, x_test = data.same_length(x_train, x_test)
    x_train = _autoencoder.equal_length(x_train, dataset)
    x_test = _autoencoder.equal_length(x_test, dataset)
    x_fit, x_val, *_ = _data.validation_split(x_train, x_train, VALIDATION_FRACTION, args.seed)
    scaler = _prepare.sequence_scaler(scaler, x_fit)
    x_fit, x_val, x_train, x_test = (
        _prepare.scale_sequences(scaler, x) for x in (x_fit, x_val, x_train, x_test)
    )
    print(
        f"{dataset}: {len(x_fit)} train, {len(x_val)} validation (labels unused), "
        f"{len(x_test)} test sequences of {x_train.shape[1]} steps x {x_train.shape[2]} "
        f"features; backend {keras.backend.backend()}"
    )

    # === Train ===
    with _artifacts.opened(**_cli.run_flags(args)) as (devices, state, policy):
        model, history, seconds = _autoencoder.fit(
            shape,
            x_fit,
            x_val,
            policy=policy,
            state=state,
            devices=devices,
            dropout=args.dropout,
            ensemble=args.ensemble,
            latent_dim=args.latent_dim,
            model_name=args.model,
            seed=args.seed,
            units=args.units,
        )
        encoder = model.get_layer("encoder")
        z_train, z_test = (
            encoder.predict(shape.split(x)[0], batch_size=256, verbose=0) for x in (x_train, x_test)
        )
        reconstructed = _autoencoder.reconstruct(model, x_test[:4], shape)

    # === Evaluate: linear probes ===
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    pca = PCA(n_components=min(latent_dim, *flat_train.shape), random_state=args.seed)
    probes = {
        "latent vectors": (z_train, z_test),
        "raw flattened series": (flat_train, flat_test),
        f"PCA ({pca.n_components} components)": (
            pca.fit_transform(flat_train),
            pca.transform(flat_test),
        ),
    }
    accuracy = {}
    for name, (train, test) in probes.items():
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
        accuracy[name] = float(accuracy_score(y_test, probe.fit(train, y_train).predict(test)))

    # === Report ===
    _plots.print_table(
        f"Linear probe (logistic regression) on {len(x_test)} test sequences",
        [{"name": name, "probe_accuracy": value} for name, value in accuracy.items()],
        ["probe_accuracy"],
    )
    _autoencoder.plot_reconstructions(
        out / "reconstruction.png",
        x_test[:4],
        reconstructed,
        [f"test {i} (label {y_test[i]})" for i in range(4)],
        shape.future_steps,
    )
    with _io.atomic_path(out / "embeddings.npz") as tmp, open(tmp, "wb") as handle:
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
        "test_reconstruction_mse": float(
            _autoencoder.step_errors(x_test[:4], reconstructed).mean()
        ),
        "latent_dim": latent_dim,
        "test_sequences": len(x_test),
        "task": "embed",
        "model": args.model,
        "dataset": dataset,
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **_artifacts.environment(args.seed, devices),
    }
    run = {
        "recipe": "embed",
        "task": "embed",
        "model": args.model,
        "flags": _cli.resume_flags(args),
        "input": {**_run.sequences_input(x_test, False), "label_column": args.label_column},
        "preparation": {"scaler": _run.scaler_state(scaler), "shape": dataclasses.asdict(shape)},
    }
    _artifacts.save_run(out, model, history, metrics, run=run, exports=args.export)


if __name__ == "__main__":
    _cli.run(main)
