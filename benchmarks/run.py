"""Training and prediction throughput: zoo against Keras's LSTM and each framework's own.

    make bench                                       # every backend and size, ~10 minutes
    python -m benchmarks.run --sizes small --repeats 2          # a smoke run, ~1 minute
    python -m benchmarks.run --sizes standard --backends tensorflow --out /tmp/bench
    python -m benchmarks.run --memory                # peak memory of predict, 200,000 sequences

Each Keras backend runs in its own process (the backend is fixed when Keras is
imported). Within it, for each size, three implementations of one model (two
LSTM layers, a linear head, mean squared error, Adam) are built, warmed up
once (tracing and compilation excluded) and then timed in interleaved rounds,
the order reversed every other round, so that the machine's load falls on all
of them alike: `zoo.stacked_lstm`, the same model built from
`keras.layers.LSTM` (with Keras's own `predict`), and the framework's
hand-written reference (`benchmarks/references.py`: JAX `lax.scan` under
`jax.jit` with optax, TensorFlow under `tf.function(jit_compile=True)`,
PyTorch `nn.LSTM`, which is also the "plain PyTorch" of every backend's
comparison). Train speed is samples per second of one `fit` epoch; predict
speed, of `predict` over the same in-memory array. Each timing repeats its
call until it lasts about a quarter of a second (one epoch of the small size
takes a few milliseconds); the count is set once per implementation, after
the warm-up, and the JSON records it.

Ratios come first: per round, zoo's rate over the other's in that round,
reported as the median and the range over the rounds. zoo / plain PyTorch
compares medians from two processes (the torch process measures PyTorch), so
it carries the load's swings between processes too. Absolute medians with
their interquartile range follow, and the machine's load average is noted at
the start and end of each process. Results go to `results.md` and
`results.json`. Speed is measured here and never asserted in a test.

`--memory` measures peak resident memory (`ru_maxrss`, each in a fresh
process) while `predict` runs on 200,000 sequences of the standard size,
beyond what the process held before the call (the input included), for zoo's
and Keras's `predict` on each backend.
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

SIZES = {
    # name: batch, timesteps, features, units (one entry per LSTM layer), fit steps, rounds
    "small": {"batch": 32, "timesteps": 20, "features": 8, "units": (16, 16), "steps": 30},
    "standard": {"batch": 64, "timesteps": 50, "features": 8, "units": (64, 64), "steps": 20},
    "large": {"batch": 128, "timesteps": 200, "features": 8, "units": (256, 256), "steps": 2},
}
ROUNDS = {"small": 7, "standard": 5, "large": 3}  # default rounds per size (--repeats: all)
BACKENDS = ("tensorflow", "jax", "torch")
IMPLS = ("zoo", "keras", "reference")
KINDS = ("train", "predict")
MEMORY_SEQUENCES = 200_000
MIN_TIMING = 0.25  # seconds: each timing repeats a call until it lasts about this long
HERE = Path(__file__).resolve().parent


def data(size, n=None, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    n = n or size["batch"] * size["steps"]
    # drawn as float32: no float64 copy raises the process's peak memory (--memory)
    x = rng.standard_normal((n, size["timesteps"], size["features"]), dtype=np.float32)
    y = rng.standard_normal((n, 1), dtype=np.float32)
    return x, y


def load():
    return [round(v, 2) for v in os.getloadavg()]


def spread(values):
    """Median, quartiles (min and max below four values) and range of `values`."""
    values = sorted(values)
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4)
    else:
        q1, q3 = values[0], values[-1]
    return {
        "median": statistics.median(values),
        "q1": q1,
        "q3": q3,
        "min": values[0],
        "max": values[-1],
        "rounds": values,
    }


# === Workers: one process per backend ===


def keras_models(size):
    """zoo's model and the same model from `keras.layers.LSTM`, compiled as a user would."""
    import keras

    import zoo

    keras.utils.set_random_seed(0)
    ours = zoo.stacked_lstm(
        (size["timesteps"], size["features"]), units=size["units"], head="regression"
    )
    theirs = keras.models.clone_model(ours, clone_function=_builtin_lstm)
    theirs = keras.Model(theirs.inputs, theirs.outputs)  # Keras's own predict, not zoo's
    for model in (ours, theirs):
        model.compile(keras.optimizers.Adam(1e-3), "mse")
    return {"zoo": ours, "keras": theirs}


def _builtin_lstm(layer):
    import keras

    import zoo

    if isinstance(layer, zoo.layers.LSTM):
        config = layer.get_config()
        config.pop("variant", None)  # zoo's cell variants: the standard one here
        return keras.layers.LSTM.from_config(config)
    return layer.__class__.from_config(layer.get_config())


def implementations(backend, size, x, y):
    """name: (train one epoch, predict all of x)."""
    from benchmarks.references import REFERENCES

    batch = size["batch"]
    runs = {}
    for name, model in keras_models(size).items():
        runs[name] = (
            lambda m=model: m.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0),
            lambda m=model: m.predict(x, batch_size=batch, verbose=0),
        )
    reference = REFERENCES[backend](size, x, y)
    runs["reference"] = (reference.train, reference.predict)
    return runs


def worker(backend, sizes, repeats):
    """Every implementation at every size, rounds interleaved; one JSON record per size."""
    if backend == "torch":
        import torch  # noqa: F401 (before TensorFlow, should anything load it)
    results = []
    for name in sizes:
        size = SIZES[name]
        x, y = data(size)
        runs = implementations(backend, size, x, y)
        for train, predict in runs.values():  # warm-up: tracing and compilation
            train()
            predict()
        calls = {
            impl: {kind: calls_per_timing(run) for kind, run in zip(KINDS, pair, strict=True)}
            for impl, pair in runs.items()
        }
        rates = {impl: {kind: [] for kind in KINDS} for impl in runs}
        before = load()
        for round_ in range(repeats or ROUNDS[name]):
            order = list(runs) if round_ % 2 == 0 else list(runs)[::-1]
            for impl in order:
                for kind, run in zip(KINDS, runs[impl], strict=True):
                    start = time.perf_counter()
                    for _ in range(calls[impl][kind]):
                        run()
                    elapsed = time.perf_counter() - start
                    rates[impl][kind].append(calls[impl][kind] * len(x) / elapsed)
        results.append(
            {
                "backend": backend,
                "size": name,
                "load": [before, load()],
                "rates": rates,
                "calls": calls,
            }
        )
        print(json.dumps({"backend": backend, "size": name, "done": True}), file=sys.stderr)
    return results


def calls_per_timing(run):
    """How many calls of `run` one timing takes: enough for MIN_TIMING seconds.

    A small model's epoch or predict lasts a few milliseconds, where the
    timer, the garbage collector and one stray scheduling slice swing a
    single call's rate by a third; one call after the warm-up sets the count.
    """
    start = time.perf_counter()
    run()
    return max(1, math.ceil(MIN_TIMING / (time.perf_counter() - start)))


def memory_worker(backend, impl):
    """Peak resident memory that `predict` adds on 200,000 standard-size sequences (MiB)."""
    import resource

    size = SIZES["standard"]
    model = keras_models(size)[impl]
    x = data(size, n=MEMORY_SEQUENCES)[0]
    model.predict(x[: 4 * size["batch"]], batch_size=size["batch"], verbose=0)  # warm-up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outputs = model.predict(x, batch_size=size["batch"], verbose=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "backend": backend,
        "impl": impl,
        "held_before_mib": before / 1024,
        "peak_mib": peak / 1024,
        "added_mib": (peak - before) / 1024,
        "input_mib": x.nbytes / 2**20,
        "output_mib": outputs.nbytes / 2**20,
    }


# === The run ===


def run_worker(backend, arguments):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND=backend)
    command = [sys.executable, "-m", "benchmarks.run", "--worker", backend, *arguments]
    print(f"--- {backend} {' '.join(arguments)}", flush=True)
    done = subprocess.run(
        command, cwd=HERE.parent, env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratios(results):
    """Per backend and size: zoo over Keras, the framework's reference and plain PyTorch."""
    torch = {r["size"]: r["rates"]["reference"] for r in results if r["backend"] == "torch"}
    rows = []
    for r in results:
        zoo = r["rates"]["zoo"]
        row = {"backend": r["backend"], "size": r["size"]}
        for kind in KINDS:
            for other in ("keras", "reference"):
                paired = [a / b for a, b in zip(zoo[kind], r["rates"][other][kind], strict=True)]
                row[f"{kind}_vs_{other}"] = spread(paired)
            if r["size"] in torch:
                row[f"{kind}_vs_torch"] = {
                    "median": statistics.median(zoo[kind])
                    / statistics.median(torch[r["size"]][kind])
                }
        rows.append(row)
    return rows


def markdown(results, rows):
    def ratio(entry):
        if "min" not in entry:
            return f"{entry['median']:.2f}"
        return f"**{entry['median']:.2f}** ({entry['min']:.2f}-{entry['max']:.2f})"

    columns = [f"{k}_vs_{o}" for k in KINDS for o in ("keras", "reference", "torch")]
    lines = [
        "| size | backend | train zoo/keras | train zoo/reference | train zoo/PyTorch "
        "| predict zoo/keras | predict zoo/reference | predict zoo/PyTorch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [ratio(row[c]) if c in row else "" for c in columns]
        lines.append(f"| {row['size']} | {row['backend']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Samples per second, median (interquartile range; min-max below four rounds), "
        "and the load average (1, 5, 15 min) at the start and end of the rounds:",
        "",
        "| size | backend | kind | zoo | keras | reference | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for kind in KINDS:
            cells = []
            for impl in IMPLS:
                s = spread(r["rates"][impl][kind])
                cells.append(f"{s['median']:,.0f} ({s['q1']:,.0f}-{s['q3']:,.0f})")
            lines.append(
                f"| {r['size']} | {r['backend']} | {kind} | "
                + " | ".join(cells)
                + f" | {r['load'][0][0]} / {r['load'][1][0]} |"
            )
    return "\n".join(lines)


def memory_markdown(entries):
    lines = [
        f"Peak memory of `predict` on {MEMORY_SEQUENCES:,} sequences (standard size, batch "
        f"{SIZES['standard']['batch']}): MiB added to the process's peak resident set by the "
        "call, beyond what it held before (the input array included), each in a fresh "
        "process. Command: `python -m benchmarks.run --memory`.",
        "",
        "| backend | zoo predict adds | Keras predict adds | input | output |",
        "|---|---|---|---|---|",
    ]
    for backend in dict.fromkeys(e["backend"] for e in entries):
        found = {e["impl"]: e for e in entries if e["backend"] == backend}
        lines.append(
            f"| {backend} | {found['zoo']['added_mib']:,.0f} | {found['keras']['added_mib']:,.0f} "
            f"| {found['zoo']['input_mib']:,.0f} | {found['zoo']['output_mib']:,.1f} |"
        )
    return "\n".join(lines)


def machine():
    described = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores"
    import torch

    if torch.cuda.is_available():
        return described + f", {torch.cuda.get_device_name(0)}"
    return described + ", no GPU"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: small,standard,large")
    p.add_argument("--backends", default=",".join(BACKENDS))
    p.add_argument(
        "--repeats",
        type=int,
        default=0,
        help=f"timed rounds per size (default: {', '.join(f'{k} {v}' for k, v in ROUNDS.items())})",
    )
    p.add_argument("--memory", action="store_true", help="measure predict's peak memory instead")
    p.add_argument("--out", type=Path, default=HERE, help="folder for the results files")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--impl", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = sorted(set(sizes) - set(SIZES))
    if unknown:
        p.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")
    if args.worker:  # inside a worker process: print the results as one JSON line
        if args.memory:
            print(json.dumps(memory_worker(args.worker, args.impl)))
        else:
            print(json.dumps(worker(args.worker, sizes, args.repeats)))
        return
    backends = [b for b in args.backends.split(",") if b]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.memory:
        entries = [
            run_worker(backend, ["--memory", "--impl", impl])
            for backend in backends
            for impl in ("zoo", "keras")
        ]
        text = f"# Memory of predict\n\nMachine: {machine()}. {memory_markdown(entries)}\n"
        (args.out / "memory.md").write_text(text)
        (args.out / "memory.json").write_text(json.dumps(entries, indent=2) + "\n")
        print(f"\n{text}\nWrote {args.out}/memory.md and memory.json")
        return
    results = []
    for backend in backends:
        arguments = ["--sizes", ",".join(sizes), "--repeats", str(args.repeats)]
        results += run_worker(backend, arguments)
    rows = ratios(results)
    command = "python -m benchmarks.run " + " ".join(
        (argv if argv is not None else sys.argv[1:]) or []
    )
    note = (
        f"Machine: {machine()}. Timed rounds per size: "
        + (str(args.repeats) if args.repeats else ", ".join(f"{s} {ROUNDS[s]}" for s in sizes))
        + ". Sizes: "
        + "; ".join(
            f"{s} = batch {SIZES[s]['batch']}, {SIZES[s]['timesteps']} steps x "
            f"{SIZES[s]['features']} features, units {'x'.join(map(str, SIZES[s]['units']))}, "
            f"{SIZES[s]['batch'] * SIZES[s]['steps']} samples"
            for s in sizes
        )
        + f". Command: `{command.strip()}`."
    )
    ratio_note = (
        "Ratios of samples/s, zoo over the other: the median over the rounds of each "
        "round's ratio, its range in brackets (zoo/PyTorch: medians of two processes)."
    )
    text = f"# Benchmark results\n\n{note}\n\n{ratio_note}\n\n{markdown(results, rows)}\n"
    (args.out / "results.md").write_text(text)
    payload = {"note": note, "ratios": rows, "results": results}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\n{text}\nWrote {args.out}/results.md and results.json")


if __name__ == "__main__":
    main()
