"""The TensorFlow training routes of issue #19, side by side: which one zoo keeps.

    KERAS_BACKEND=tensorflow python -m benchmarks.tf_training_routes standard 9

In one process, rounds interleaved (the order reversed every other round),
`fit` samples/s of the benchmark's model (benchmarks/run.py's sizes) through:
zoo's layer as it is (Keras's own loop since issue #19: its fast path
declines on TensorFlow); zoo's layer through TensorFlow's fused `BlockLSTM`
kernel, the route before (read from git, commit 8b929cb);
`keras.layers.LSTM` with Keras's default compile (no XLA on a CPU); and
`keras.layers.LSTM` with the whole train step compiled by XLA
(`jit_compile=True`). Prints medians, interquartile ranges, min-max and the
load average. (A third route, one XLA-compiled loop per layer with its
gradient as a second XLA function, was measured in issue #19 and dropped;
docs/speed.md has its figures.)
"""

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import SIZES, data, keras_models, load, spread

BEFORE = "8b929cb"  # the last commit with the BlockLSTM route


def block_lstm_route():
    """The `lstm` function of zoo/backends/tensorflow.py at commit BEFORE."""
    source = subprocess.run(
        ["git", "show", f"{BEFORE}:zoo/backends/tensorflow.py"],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "block_lstm_route.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("block_lstm_route", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lstm


def main(size_name="standard", rounds=9):
    import keras

    from zoo import backends

    size = SIZES[size_name]
    x, y = data(size)
    ours = backends._backend.lstm
    models = {}
    for route in ("zoo", "zoo BlockLSTM", "keras", "keras jit_compile"):
        backends._backend.lstm = block_lstm_route() if route == "zoo BlockLSTM" else ours
        model = keras_models(size)["keras" if route.startswith("keras") else "zoo"]
        if route == "keras jit_compile":
            model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=True)
        models[route] = model
        model.fit(x, y, batch_size=size["batch"], epochs=1, shuffle=False, verbose=0)  # traced
    backends._backend.lstm = ours
    rates = {route: [] for route in models}
    before = load()
    for round_ in range(rounds):
        for route in list(models) if round_ % 2 == 0 else list(models)[::-1]:
            start = time.perf_counter()
            models[route].fit(x, y, batch_size=size["batch"], epochs=1, shuffle=False, verbose=0)
            rates[route].append(len(x) / (time.perf_counter() - start))
    print(f"{size_name}: {rounds} rounds, load {before} -> {load()}")
    keras_median = statistics.median(rates["keras"])
    for route, values in rates.items():
        s = spread(values)
        print(
            f"{route:18s} {s['median']:8,.0f} samples/s (IQR {s['q1']:,.0f}-{s['q3']:,.0f}, "
            f"min-max {s['min']:,.0f}-{s['max']:,.0f}), / keras {s['median'] / keras_median:.2f}"
        )


if __name__ == "__main__":
    main(*(int(a) if a.isdigit() else a for a in sys.argv[1:]))
