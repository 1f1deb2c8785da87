"""LSTM variants compared: Greff et al.'s "search space odyssey" in miniature.

    python -m recipes.variants                              # bundled digits, seeds 0,1,2
    python -m recipes.variants --dataset GunPoint --seeds 0,1,2,3,4
    python -m recipes.variants --variants np,vanilla,cifg,nfg --seeds 0 --max-steps 100
    KERAS_BACKEND=jax python -m recipes.variants --train series.npz --model stacked_lstm

Trains the same model (`--model`, an LSTM classifier) once per variant
(`zoo.layers.LSTM(variant=...)`) and seed, with the same data, training budget
and seeds, prepared as `recipes.classify` prepares it, and reports the test
accuracy of each variant over the seeds beside the paper's findings:
Greff, Srivastava, Koutník, Steunebrink and Schmidhuber (2017), "LSTM: A
Search Space Odyssey", IEEE TNNLS 28. Writes to --out: variants.csv (one row
per variant and seed), variants.md (the table), variants.png (a box plot of
the test accuracy per variant, each seed a dot) and metrics.json.
"""

import time

import keras
import numpy as np

import zoo
import zoo.training
from recipes import _artifacts, _cli, _io, _plots, _prepare
from zoo import data
from zoo.layers import VARIANTS

# Short, the same for every variant: 27 trainings by default
MAX_STEPS, MIN_STEPS, PATIENCE_STEPS = 400, 200, 200

# The paper's findings (its abstract and section 6), paraphrased, per variant
PAPER = {
    "vanilla": "the reference (V): peepholes, every gate",
    "np": "no significant change from V (cheaper: no peepholes)",
    "cifg": "no significant change from V (fewer weights)",
    "nfg": "significantly worse: the forget gate is critical",
    "noaf": "significantly worse: the output activation is critical",
    "nig": "significantly worse on some datasets",
    "nog": "significantly worse on some datasets",
    "niaf": "significantly worse on some datasets",
    "fgr": "no improvement, worse on one dataset; many more weights",
}
HEADLINE = (
    '"none of the variants can improve upon the standard LSTM architecture '
    "significantly, and [we] demonstrate the forget gate and the output activation "
    'function to be its most critical components." Coupling the input and forget '
    "gates (CIFG) or removing the peepholes (NP) simplifies the cell without a "
    "significant loss. (Greff et al. 2017, 5400 runs over 3 datasets)"
)


def parse_args(argv=None):
    p = _cli.parser(
        __doc__.splitlines()[0],
        "variants",
        task="classification",
        default_model="lstm",
        default_units=(32,),
        dropout=0.0,
        bidirectional=False,
    )
    p.set_defaults(max_steps=MAX_STEPS, min_steps=MIN_STEPS, patience_steps=PATIENCE_STEPS)
    _cli.labelled_flags(p)
    p.add_argument(
        "--variants",
        type=_cli.names,
        default=VARIANTS,
        help=f"variants to train, comma-separated, from {','.join(VARIANTS)}",
    )
    p.add_argument(
        "--seeds", type=_cli.int_tuple_from_zero, default=(0, 1, 2), help="seeds, comma-separated"
    )
    p.add_argument(
        "--normalize",
        choices=["auto", "series", "channel", "global", "none"],
        default="auto",
        help="as in recipes.classify",
    )
    args = p.parse_args(argv)
    if args.test and not args.train:
        p.error("--test needs --train")
    unsupported = [
        flag
        for flag, used in [
            ("--resume", args.resume),
            ("--ensemble", args.ensemble != 1),
            ("--export", args.export),
            ("--distribute", args.distribute),
        ]
        if used
    ]
    if unsupported:
        p.error(
            f"{', '.join(unsupported)}: not for recipes.variants (one run per variant and seed)"
        )
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        p.error(f"--variants: expected names from {','.join(VARIANTS)}, got {','.join(unknown)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    out = args.out

    # === Load and prepare (as recipes.classify does) ===
    x_train, y_train, x_test, y_test, dataset, _, _, padded, encoder = _prepare.load_prepared(
        train=args.train,
        test=args.test,
        dataset=args.dataset,
        label_column=args.label_column,
        normalize=args.normalize,
        seed=args.seeds[0],
    )
    labels_train, labels_test = encoder.transform(y_train), encoder.transform(y_test)
    units = _cli.builder_units(args.model, args.units)
    policy = _cli.policy_for(**_cli.policy_flags(args))
    print(
        f"{dataset}: {len(x_train)} train, {len(x_test)} test sequences of "
        f"{x_train.shape[1]} steps x {x_train.shape[2]} features; {args.model} {units}, "
        f"variants {','.join(args.variants)}, seeds {','.join(map(str, args.seeds))}, "
        f"at most {policy.max_steps} steps each; backend {keras.backend.backend()}"
    )

    # === Build and train every variant with every seed ===
    rows = []
    for variant in args.variants:
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            model = zoo.get_model(
                args.model,
                input_shape=(None if padded else x_train.shape[1], x_train.shape[2]),
                units=units,
                dropout=args.dropout,
                masking=padded,
                mask_value=data.MASK_VALUE,
                num_classes=len(encoder.classes_),
                variant=variant,
            )
            zoo.training.compile(
                model, policy, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
            )
            start = time.perf_counter()
            zoo.training.fit(model, x_train, labels_train, policy=policy)
            seconds = time.perf_counter() - start
            predicted = np.argmax(model.predict(x_test, verbose=0, batch_size=256), axis=-1)
            accuracy = float(np.mean(predicted == labels_test))
            rows.append(
                {
                    "variant": variant,
                    "seed": seed,
                    "test_accuracy": accuracy,
                    "parameters": model.count_params(),
                    "train_seconds": round(seconds, 2),
                }
            )
            print(f"  {variant:8s} seed {seed}: test accuracy {accuracy:.4f} ({seconds:.0f} s)")

    # === Report ===
    summary = summarize(rows, args.variants)
    table = markdown(
        summary, dataset, policy, model_name=args.model, seeds=args.seeds, units=args.units
    )
    print("\n" + table)
    _io.write_csv(
        out / "variants.csv",
        list(rows[0]),
        [list(row.values()) for row in rows],
    )
    with _io.atomic_path(out / "variants.md") as tmp:
        tmp.write_text(table)
    box_plot(out / "variants.png", rows, args.variants, dataset)
    _io.write_json(
        out / "metrics.json",
        {
            "dataset": dataset,
            "model": args.model,
            "units": units,
            "seeds": list(args.seeds),
            "max_steps": policy.max_steps,
            "variants": summary,
            "runs": rows,
            **_artifacts.environment(args.seeds[0], 1),
        },
    )


def summarize(rows, variants):
    """Per variant: mean, standard deviation, min and max test accuracy over the seeds."""
    summary = {}
    for variant in variants:
        values = np.array([r["test_accuracy"] for r in rows if r["variant"] == variant])
        summary[variant] = {
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()),
            "max": float(values.max()),
            "parameters": next(r["parameters"] for r in rows if r["variant"] == variant),
        }
    return summary


def markdown(summary, dataset, policy, *, model_name, seeds, units):
    """The table of variants.md: measured accuracy beside the paper's finding."""
    lines = [
        f"Test accuracy per LSTM variant on {dataset}: {model_name}, units {units}, "
        f"at most {policy.max_steps} optimizer steps, seeds {', '.join(map(str, seeds))} "
        f"(mean ± standard deviation over seeds; min..max).",
        "",
        "| variant | parameters | test accuracy | min..max | Greff et al. (2017) |",
        "|---|---:|---:|---:|---|",
    ]
    for variant, s in summary.items():
        lines.append(
            f"| {variant} | {s['parameters']} | {s['mean']:.4f} ± {s['std']:.4f} | "
            f"{s['min']:.4f}..{s['max']:.4f} | {PAPER[variant]} |"
        )
    lines += ["", f"The paper: {HEADLINE}", ""]
    return "\n".join(lines)


def box_plot(path, rows, variants, dataset):
    figure = _plots.new_figure(width=max(6.0, 0.8 * len(variants) + 2), height=4.5)
    ax = figure.axes[0]
    values = [[r["test_accuracy"] for r in rows if r["variant"] == v] for v in variants]
    ax.boxplot(values, showmeans=True)
    ax.set_xticks(range(1, len(variants) + 1), variants)
    for k, points in enumerate(values, start=1):
        ax.scatter(np.full(len(points), k), points, s=14, color="black", alpha=0.6, zorder=3)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"LSTM variants (Greff et al. 2017) on {dataset}", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    _plots.save_figure(path, figure)


if __name__ == "__main__":
    _cli.run(main)
