"""The leaderboard: zoo models over every dataset aeon ships, beside published results.

Runs the recipes themselves, with their default flags, on the official splits
of the UCR/UEA classification and TSER regression sets aeon ships, on its
forecasting series (the windowed regressors, task "forecasting") and on its
forecasting panels and seasonal series under the M-competition protocol (the
panel models of `recipes.forecast`, task "panels"), for several seeds; writes
`leaderboard.csv` (one row per run) and `leaderboard.md` (mean and spread per
model and dataset beside the baselines the recipe printed and published
figures: the accuracies aeon's wheel carries (InceptionTime, HC2 and
WEASEL-2.0, resample 0, which is the official split) and, for M1 yearly, the
fev benchmark's MASE and WQL of the statistical models and TiRex).

    python -m recipes.benchmark --quick                 # a subset that fits in minutes
    python -m recipes.benchmark                         # everything, 3 seeds (hours on CPU)
    python -m recipes.benchmark --models lstm_fcn --seeds 0,1 --tasks classification

Every run writes its own folder under --runs and is skipped when its
metrics.json exists, so an interrupted leaderboard continues where it stopped.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from recipes import _cli, _io
from zoo.data._published import FORECASTING, SHIPPED

# Forecasting protocol per series: the last `test` rows are the test part.
FORECAST_FLAGS = {
    "Airline": ["--horizon", "12", "--test-size", "12", "--window", "24"],
    "PBS": ["--horizon", "12", "--test-size", "24", "--window", "24"],
    "Lynx": ["--horizon", "10", "--test-size", "20", "--window", "20"],
    "ShampooSales": ["--horizon", "1", "--test-size", "8", "--val-size", "6", "--window", "6"],
}
# The M-competition protocol: the last `--horizon` values of every series are its test part
PANEL_FLAGS = {
    "m1_yearly": [],
    "fertility": [],
    "macrodata": [],
    "Airline": ["--horizon", "12"],
    "PBS": ["--horizon", "12"],
    "Lynx": ["--horizon", "10"],
    "ShampooSales": ["--horizon", "6"],
}
# fev's published results on M1 yearly (last 6 values; MASE with seasonality 1,
# WQL over the levels 0.1 ... 0.9), as quoted in issue 29 from autogluon/fev
PUBLISHED_PANELS = {
    "m1_yearly": {
        "SeasonalNaive": (4.894, 0.209),
        "AutoETS": (3.957, 0.139),
        "AutoTheta": (3.659, 0.137),
        "AutoARIMA": (3.486, 0.133),
        "TiRex (zero-shot)": (3.703, 0.131),
    }
}
QUICK = {
    "classification": ("GunPoint", "ItalyPowerDemand", "BasicMotions", "ArrowHead"),
    "regression": ("Covid3Month",),
    "forecasting": ("Airline", "ShampooSales"),
    "panels": ("m1_yearly", "macrodata", "Airline"),
}
DEFAULT_MODELS = {
    "classification": ("lstm_fcn", "stacked_lstm"),
    "regression": ("stacked_lstm",),
    "forecasting": ("stacked_lstm",),
    "panels": ("mqrnn",),
}
PUBLISHED = ("InceptionTime", "HC2", "WEASEL-2.0")
METRIC = {
    "classification": "test_accuracy",
    "regression": "test_rmse",
    "forecasting": "test_rmse",
    "panels": "test_mase",
}
SECOND = {"panels": ("test_wql", "test_coverage_80", "test_coverage_95")}


def parse_args(argv=None):
    p = _cli.Parser(
        prog="python -m recipes.benchmark",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument("--quick", action="store_true", help="a few small datasets: minutes")
    p.add_argument(
        "--tasks",
        type=_cli.names,
        default=("classification", "regression", "forecasting", "panels"),
        help="comma-separated: classification, regression, forecasting, panels",
    )
    p.add_argument(
        "--models",
        type=_cli.names,
        help="zoo models (default: per task); NAME:--flag=value adds flags to a model's runs, "
        "NAME@DATASET+DATASET runs it on those datasets only",
    )
    p.add_argument("--datasets", type=_cli.names, help="only these datasets")
    p.add_argument("--seeds", type=_cli.int_tuple_from_zero, default=(0, 1, 2))
    p.add_argument(
        "--backends",
        type=_cli.names,
        help="run each model on these Keras backends too (default: KERAS_BACKEND's)",
    )
    p.add_argument("--runs", type=Path, default=Path("runs") / "leaderboard")
    p.add_argument("--out", type=Path, default=Path("benchmarks"), help="leaderboard folder")
    args = p.parse_args(argv)
    unknown = set(args.tasks) - set(METRIC)
    if unknown:
        p.error(f"argument --tasks: unknown {sorted(unknown)}; expected {list(METRIC)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    rows = []
    for task in args.tasks:
        names = QUICK[task] if args.quick else _all(task)
        if args.datasets:
            names = [n for n in names if n in args.datasets]
        for name in names:
            for model in args.models or DEFAULT_MODELS[task]:
                model, _, only = model.partition("@")  # "deepar@m1_yearly": that dataset only
                if only and name not in only.split("+"):
                    continue
                for backend in args.backends or (None,):
                    for seed in args.seeds:
                        rows.append(
                            run_one(task, name, model, seed, args.runs, backend, args.seeds)
                        )
                    write(rows, args.out)
    print(f"\nWrote {args.out / 'leaderboard.md'} and {args.out / 'leaderboard.csv'}")


def _all(task):
    if task == "panels":
        return tuple(PANEL_FLAGS)
    return tuple(FORECASTING) if task == "forecasting" else SHIPPED[task]


def run_one(task, dataset, model, seed, runs, backend=None, seeds=(0,)):
    """One recipe run (reused when its metrics.json exists) as a leaderboard row;
    `backend` (None: this process's) is the run's KERAS_BACKEND."""
    folder = model.replace(":", "_").replace("=", "") + (f"-{backend}" if backend else "")
    out = runs / task / dataset / f"{folder}-seed{seed}"
    metrics_path = out / "metrics.json"
    if not metrics_path.exists():
        recipe = {"classification": "recipes.classify", "panels": "recipes.forecast"}.get(
            task, "recipes.regress"
        )
        # "mqrnn:--ensemble=5": a model with extra flags of its recipe
        name, *extra = model.split(":")
        flags = ["--dataset", dataset, "--model", name, "--seed", str(seed), "--out", str(out)]
        flags += extra
        if model in ("lstm", "lstm_fcn", "mlstm_fcn") and task != "classification":
            flags += ["--units", "64"]
        if model == "stacked_lstm" and task == "classification":
            flags += ["--units", "64,64", "--dropout", "0.3"]
        if task == "classification" and seed != 0:
            flags.append("--no-classic-baselines")  # the same for every seed
        flags += FORECAST_FLAGS.get(dataset, []) if task == "forecasting" else []
        flags += PANEL_FLAGS.get(dataset, []) if task == "panels" else []
        if task == "panels" and seed != min(seeds):
            flags += ["--baselines", "snaive"]  # the same for every seed: seed 0's run has them
        print(f"[{time.strftime('%H:%M:%S')}] {task} {dataset} {model} seed {seed}", flush=True)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", recipe, *flags],
            env=dict(
                os.environ,
                TF_CPP_MIN_LOG_LEVEL="3",
                **({"KERAS_BACKEND": backend} if backend else {}),
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            tail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
            print(f"  failed: {tail}")
            return _row(task, dataset, model, seed, None, {}, error=tail)
        print(f"  {time.perf_counter() - started:.0f} s")
    metrics = json.loads(metrics_path.read_text())
    return _row(task, dataset, model, seed, metrics[METRIC[task]], metrics)


def _row(task, dataset, model, seed, value, metrics, error=""):
    baselines = {k: v.get(METRIC[task]) for k, v in metrics.get("baselines", {}).items()}
    second = {key: metrics.get(key) for key in SECOND.get(task, ())}
    if second:
        baselines = {
            k: [v.get(METRIC[task]), *[v.get(key) for key in second]]
            for k, v in metrics.get("baselines", {}).items()
        }
    return {
        "task": task,
        "dataset": dataset,
        "model": model,
        "seed": seed,
        "metric": METRIC[task],
        "value": value,
        "train_seconds": metrics.get("train_seconds"),
        "backend": metrics.get("backend"),
        "baselines": json.dumps(baselines),
        "second": json.dumps(second),
        "error": error,
    }


def published(dataset):
    """Published accuracies on the official split (resample 0) from the results
    files in aeon's wheel (aeon/testing/example_results_files)."""
    try:
        import aeon
    except ImportError:
        return {}
    folder = Path(aeon.__file__).parent / "testing/example_results_files/classification/accuracy"
    found = {}
    for name in PUBLISHED:
        path = folder / f"{name}_accuracy.csv"
        if path.exists():
            for line in path.read_text().splitlines():
                cells = line.split(",")
                if cells[0] == dataset and len(cells) > 1 and cells[1]:
                    found[name] = float(cells[1])
    return found


def write(rows, out):
    out.mkdir(parents=True, exist_ok=True)
    header = list(rows[0])
    _io.write_csv(out / "leaderboard.csv", header, [[r[k] for k in header] for r in rows])
    with _io.atomic_path(out / "leaderboard.md") as tmp:
        tmp.write_text(markdown(rows))


def markdown(rows):
    lines = [
        "# Leaderboard",
        "",
        "Made by `python -m recipes.benchmark` (see its docstring): the recipes' default "
        "flags, official splits, mean ± standard deviation over seeds. Baselines are the "
        "ones each recipe prints, from seed 0's run. Published figures: the results files "
        "in aeon's wheel (`aeon/testing/example_results_files/classification/accuracy`, "
        "resample 0 = the official split).",
        "",
    ]
    for task in METRIC:
        task_rows = [r for r in rows if r["task"] == task]
        if not task_rows:
            continue
        if task == "panels":
            lines += panels_markdown(task_rows)
            continue
        models = list(dict.fromkeys(r["model"] for r in task_rows))
        datasets = list(dict.fromkeys(r["dataset"] for r in task_rows))
        base_names = list(
            dict.fromkeys(
                k
                for r in task_rows
                if r["seed"] == min(x["seed"] for x in task_rows)
                for k in json.loads(r["baselines"])
            )
        )
        extra = list(PUBLISHED) if task == "classification" else []
        better = "higher" if task == "classification" else "lower"
        lines += [f"## {task.capitalize()}: {METRIC[task]} ({better} is better)", ""]
        header = ["dataset", *models, *base_names, *extra]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for dataset in datasets:
            cells = [dataset]
            for model in models:
                values = [
                    r["value"]
                    for r in task_rows
                    if r["dataset"] == dataset and r["model"] == model and r["value"] is not None
                ]
                cells.append(_mean_spread(values))
            first = [r for r in task_rows if r["dataset"] == dataset]
            first = min(first, key=lambda r: r["seed"])
            baselines = json.loads(first["baselines"])
            cells += [_number(baselines.get(name)) for name in base_names]
            reference = published(dataset) if extra else {}
            cells += [_number(reference.get(name)) for name in extra]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def panels_markdown(rows):
    """One table per dataset: each model's MASE, WQL and interval coverage (mean
    ± standard deviation over seeds), the baselines of seed 0's run, and the
    published figures where there are some."""
    keys = ("test_mase", *SECOND["panels"])
    lines = [
        "## Panels: the last horizon of every series (M-competition protocol)",
        "",
        "`recipes.forecast` with its default flags (`--model mqrnn`), `--horizon` as "
        "in `PANEL_FLAGS`. MASE (seasonality as the recipe prints it) and WQL: lower is "
        "better; coverage of the 80% and 95% intervals: nearer 0.80 and 0.95 is better. "
        "Baselines: fit per series by the recipe (statsforecast), seed 0's run. Published: "
        "fev's results (see `PUBLISHED_PANELS`).",
        "",
    ]
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        chosen = [r for r in rows if r["dataset"] == dataset]
        lines += [f"### {dataset}", "", "| model | MASE | WQL | coverage 80% | coverage 95% |"]
        lines.append("|---|---|---|---|---|")
        for model, backend in dict.fromkeys((r["model"], r["backend"]) for r in chosen):
            runs = [
                r
                for r in chosen
                if r["model"] == model and r["backend"] == backend and r["value"] is not None
            ]
            values = [[r["value"], *json.loads(r["second"]).values()] for r in runs]
            cells = [
                _mean_spread([v[j] for v in values if v[j] is not None]) for j in range(len(keys))
            ]
            # runs that finished without a metric (WQL of an all-zero test part): n/a
            cells = ["n/a" if c == "failed" and values else c for c in cells]
            seeds = ",".join(str(r["seed"]) for r in runs)
            lines.append(f"| {model}, {backend} (seeds {seeds}) | " + " | ".join(cells) + " |")
        first = min(chosen, key=lambda r: r["seed"])
        for name, values in json.loads(first["baselines"]).items():
            lines.append(f"| {name} | " + " | ".join(_number(v) for v in values) + " |")
        for name, (mase, wql) in PUBLISHED_PANELS.get(dataset, {}).items():
            lines.append(f"| {name} (published) | {mase:.3f} | {wql:.3f} | | |")
        lines.append("")
    return lines


def _mean_spread(values):
    if not values:
        return "failed"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f} (n={len(values)})"


def _number(value):
    return "" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    _cli.run(main)
