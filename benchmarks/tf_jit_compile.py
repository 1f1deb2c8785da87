"""TensorFlow training with and without XLA (`jit_compile=True`) across model sizes.

    KERAS_BACKEND=tensorflow python -m benchmarks.tf_jit_compile            # ~5 minutes
    KERAS_BACKEND=tensorflow python -m benchmarks.tf_jit_compile --rounds 3 --shapes 16x20x32

Keras compiles the train step with XLA on a GPU but not on a CPU
(`jit_compile="auto"`). For each shape (units per layer x time steps x batch;
two LSTM layers, 8 features, a linear head, mean squared error, Adam), one
process builds `zoo.stacked_lstm` twice, compiled with `jit_compile=False`
and `True`, and times `fit` over 10 batches in interleaved rounds (the order
reversed every other round, warm-up excluded). Prints the median speed-up of
XLA (per-round ratio, with its range), the plain step time, and the first
`fit`'s time with each (tracing and compilation included). Speed is measured
here and never asserted in a test.
"""

import argparse
import statistics
import time

from benchmarks.run import data, load, spread

SHAPES = (
    "16x20x32",
    "32x20x32",
    "64x20x32",
    "256x20x32",
    "16x50x64",
    "32x50x64",
    "64x50x64",
    "128x50x64",
    "256x50x64",
    "64x200x64",
    "128x200x64",
    "256x200x128",
)
STEPS = 10  # batches per timed fit


def measure(units, timesteps, batch, rounds):
    import keras

    import zoo

    size = {"batch": batch, "timesteps": timesteps, "features": 8, "steps": STEPS}
    x, y = data(size)
    models, first = {}, {}
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        model = zoo.stacked_lstm((timesteps, 8), units=(units, units), head="regression")
        model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=jit)
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        first[jit] = time.perf_counter() - start
        models[jit] = model
    seconds = {jit: [] for jit in models}
    for round_ in range(rounds):
        for jit in (False, True) if round_ % 2 == 0 else (True, False):
            start = time.perf_counter()
            models[jit].fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
            seconds[jit].append(time.perf_counter() - start)
    speedups = spread([a / b for a, b in zip(seconds[False], seconds[True], strict=True)])
    return {
        "speedup": speedups["median"],
        "range": (speedups["min"], speedups["max"]),
        "plain_ms_per_step": statistics.median(seconds[False]) * 1000 / STEPS,
        "first_fit_s": first,
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.tf_jit_compile")
    p.add_argument("--shapes", default=",".join(SHAPES), help="UNITSxSTEPSxBATCH, comma-separated")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    import keras

    if keras.backend.backend() != "tensorflow":
        p.error("run with KERAS_BACKEND=tensorflow")
    print(f"load at start {load()}")
    header = (
        "| units | steps | batch | XLA speed-up (range) | plain ms/step | first fit, plain / XLA |"
    )
    print(header)
    print("|---|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        units, timesteps, batch = (int(v) for v in shape.split("x"))
        r = measure(units, timesteps, batch, args.rounds)
        print(
            f"| {units} | {timesteps} | {batch} | {r['speedup']:.2f} "
            f"({r['range'][0]:.2f}-{r['range'][1]:.2f}) | {r['plain_ms_per_step']:.1f} "
            f"| {r['first_fit_s'][False]:.1f} s / {r['first_fit_s'][True]:.1f} s |",
            flush=True,
        )
    print(f"load at end {load()}")


if __name__ == "__main__":
    main()
