"""Training and prediction throughput: zoo against Keras's LSTM and plain PyTorch.

    make bench                                   # every backend and size, ~10 minutes
    python -m benchmarks.run --sizes standard --repeats 3 --out /tmp/bench

For each size, in one run: `zoo.stacked_lstm` (zoo's LSTM layer) and the same
model built from `keras.layers.LSTM`, on each Keras backend in its own
process, and a plain PyTorch model (`nn.LSTM`, a linear head, an Adam loop)
of the same shape. Train speed is samples per second over a fixed number of
`fit` steps after a warm-up epoch; predict speed is samples per second of
`model.predict` on in-memory arrays (zoo's lean path for zoo's model, Keras's
own for the built-in one; `torch.no_grad()` batches for PyTorch).
Each figure is the median of `--repeats` measurements. Results go to
`results.md` and `results.json` with the ratios zoo / Keras built-in and
zoo / plain PyTorch. Speed is measured here and never asserted in a test.
"""

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = {
    # name: batch, timesteps, features, units (one entry per LSTM layer), fit steps
    "small": {"batch": 32, "timesteps": 20, "features": 8, "units": (16, 16), "steps": 30},
    "standard": {"batch": 64, "timesteps": 50, "features": 8, "units": (64, 64), "steps": 20},
    "large": {"batch": 128, "timesteps": 200, "features": 8, "units": (256, 256), "steps": 4},
}
BACKENDS = ("tensorflow", "jax", "torch")
HERE = Path(__file__).resolve().parent


def data(size, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    n = size["batch"] * size["steps"]
    x = rng.normal(size=(n, size["timesteps"], size["features"])).astype("float32")
    y = rng.normal(size=(n, 1)).astype("float32")
    return x, y


def median_rate(samples, run, repeats):
    """Samples per second: the median over `repeats` timed calls of `run`."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(samples / (time.perf_counter() - start))
    return statistics.median(rates)


# === Workers: one process each ===


def keras_worker(sizes, repeats):
    import keras

    import zoo

    results = []
    for name in sizes:
        size = SIZES[name]
        x, y = data(size)
        for impl in ("zoo", "keras"):
            keras.utils.set_random_seed(0)
            model = zoo.stacked_lstm(
                (size["timesteps"], size["features"]), units=size["units"], head="regression"
            )
            if impl == "keras":
                model = keras.models.clone_model(model, clone_function=_builtin_lstm)
                # a plain keras.Model: Keras's own predict, not zoo's lean one
                model = keras.Model(model.inputs, model.outputs)
            model.compile(keras.optimizers.Adam(1e-3), "mse")
            batch = size["batch"]
            fit = functools.partial(
                model.fit, x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0
            )
            predict = functools.partial(model.predict, x, batch_size=batch, verbose=0)
            fit()
            predict()  # warm-up: tracing and compilation
            results.append(
                {
                    "size": name,
                    "impl": impl,
                    "train": median_rate(len(x), fit, repeats),
                    "predict": median_rate(len(x), predict, repeats),
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr)
    return results


def _builtin_lstm(layer):
    import keras

    import zoo

    if isinstance(layer, zoo.layers.LSTM):
        return keras.layers.LSTM.from_config(layer.get_config())
    return layer.__class__.from_config(layer.get_config())


def torch_worker(sizes, repeats):
    import torch

    torch.manual_seed(0)
    results = []
    for name in sizes:
        size = SIZES[name]
        x, y = (torch.from_numpy(a) for a in data(size))
        model = torch_regressor(size["features"], size["units"])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        batches = [
            (x[i : i + size["batch"]], y[i : i + size["batch"]])
            for i in range(0, len(x), size["batch"])
        ]

        def fit(model=model, optimizer=optimizer, batches=batches):
            model.train()
            for xb, yb in batches:
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(xb), yb)
                loss.backward()
                optimizer.step()

        def predict(model=model, batches=batches):
            model.eval()
            with torch.no_grad():
                return torch.cat([model(xb) for xb, _ in batches]).numpy()

        fit()
        predict()
        results.append(
            {
                "size": name,
                "impl": "native torch",
                "train": median_rate(len(x), fit, repeats),
                "predict": median_rate(len(x), predict, repeats),
            }
        )
        print(json.dumps(results[-1]), file=sys.stderr)
    return results


def torch_regressor(features, units):
    """`nn.LSTM` layers of the given widths and a linear head on the last step."""
    import torch

    class TorchRegressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            widths = (features, *units)
            self.lstms = torch.nn.ModuleList(
                torch.nn.LSTM(a, b, batch_first=True) for a, b in zip(widths, units, strict=False)
            )
            self.head = torch.nn.Linear(units[-1], 1)

        def forward(self, x):
            for lstm in self.lstms:
                x, _ = lstm(x)
            return self.head(x[:, -1])

    return TorchRegressor()


# === The run ===


def run_worker(worker, sizes, repeats):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if worker != "native":
        env["KERAS_BACKEND"] = worker
    command = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--worker",
        worker,
        "--repeats",
        str(repeats),
    ]
    command += ["--sizes", ",".join(sizes)]
    print(f"--- {worker}", flush=True)
    done = subprocess.run(
        command, cwd=HERE.parent, env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results, sizes, backends):
    """results.md: samples/s and ratios per size, backend and implementation."""
    native = {r["size"]: r for r in results if r["impl"] == "native torch"}
    rows, ratios = [], []
    for size in sizes:
        for backend in backends:
            found = {
                r["impl"]: r for r in results if r["size"] == size and r.get("backend") == backend
            }
            zoo, builtin = found["zoo"], found["keras"]
            ratio = {
                "size": size,
                "backend": backend,
                **{f"{kind}_vs_keras": zoo[kind] / builtin[kind] for kind in ("train", "predict")},
                **{
                    f"{kind}_vs_torch": zoo[kind] / native[size][kind]
                    for kind in ("train", "predict")
                },
            }
            ratios.append(ratio)
            rows.append(
                f"| {size} | {backend} | {zoo['train']:,.0f} | {builtin['train']:,.0f} | "
                f"{native[size]['train']:,.0f} | {ratio['train_vs_keras']:.2f} | "
                f"{ratio['train_vs_torch']:.2f} | {zoo['predict']:,.0f} | "
                f"{builtin['predict']:,.0f} | {native[size]['predict']:,.0f} | "
                f"{ratio['predict_vs_keras']:.2f} | {ratio['predict_vs_torch']:.2f} |"
            )
    header = (
        "| size | backend | train zoo | train keras | train torch | zoo/keras | zoo/torch "
        "| predict zoo | predict keras | predict torch | zoo/keras | zoo/torch |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    return header + "\n" + "\n".join(rows), ratios


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: small,standard,large")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", type=Path, default=HERE, help="folder for results.md and results.json")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = sorted(set(sizes) - set(SIZES))
    if unknown:
        p.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")
    if args.worker:  # inside a worker process: print the results as one JSON line
        work = torch_worker if args.worker == "native" else keras_worker
        print(json.dumps(work(sizes, args.repeats)))
        return
    backends = [b for b in args.backends.split(",") if b]
    results = run_worker("native", sizes, args.repeats)
    for backend in backends:
        results += [dict(r, backend=backend) for r in run_worker(backend, sizes, args.repeats)]
    markdown, ratios = table(results, sizes, backends)
    import torch

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores"
    if torch.cuda.is_available():
        machine += f", {torch.cuda.get_device_name(0)}"
    note = (
        f"Samples per second, median of {args.repeats}; {machine}; "
        f"sizes: "
        + "; ".join(
            f"{s} = batch {SIZES[s]['batch']}, {SIZES[s]['timesteps']} steps x "
            f"{SIZES[s]['features']} features, units {'x'.join(map(str, SIZES[s]['units']))}"
            for s in sizes
        )
        + ". Command: `python -m benchmarks.run`."
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(f"# Benchmark results\n\n{note}\n\n{markdown}\n")
    payload = {"note": note, "results": results, "ratios": ratios}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\n{note}\n\n{markdown}\n\nWrote {args.out}/results.md and results.json")


if __name__ == "__main__":
    main()
