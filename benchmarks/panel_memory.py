"""Peak memory of training on a panel streamed from disk, against the panel's size.

    KERAS_BACKEND=jax python -m benchmarks.panel_memory            # 10,000 and 100,000 series
    python -m benchmarks.panel_memory --series 1000,10000 --out /tmp/mem

Writes a generated long CSV (series id, date, value; 30 monthly values per
series), then in a fresh process per size trains one `zoo.mqrnn` on every
window of every series through `zoo.data.iter_csv_panel` (series read a
chunk at a time) and `zoo.data.ForecastWindows.stream` (a shuffle buffer of
windows): one pass over the panel. Reports the process's peak resident
memory (`ru_maxrss`) and the file's size; memory bounded by the buffer, not
the panel, shows as the same peak for both sizes. Writes `panel_memory.md`
and `.json` to --out (default: benchmarks/).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

STEPS = 30  # values per series
HORIZON, CONTEXT, BATCH = 6, 12, 256


def write_panel(path, series, seed=0):
    """A long CSV of `series` noisy seasonal series of STEPS monthly values."""
    import numpy as np

    rng = np.random.default_rng(seed)
    months = [f"{2000 + t // 12}-{t % 12 + 1:02d}-01" for t in range(STEPS)]
    with open(path, "w") as handle:
        handle.write("id,month,value\n")
        for start in range(0, series, 1000):
            count = min(1000, series - start)
            level = rng.uniform(10, 1000, size=(count, 1))
            t = np.arange(STEPS)
            values = (
                level * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
                + rng.normal(0, 0.05, size=(count, STEPS)) * level
            )
            handle.writelines(
                f"s{start + k},{months[j]},{values[k, j]:.3f}\n"
                for k in range(count)
                for j in range(STEPS)
            )


def train_streaming(path):
    """One pass over every window of the panel in `path`; returns a record."""
    import keras

    import zoo

    windows = zoo.data.ForecastWindows(context=CONTEXT, horizon=HORIZON)
    model = zoo.mqrnn((CONTEXT, windows.features()), horizon=HORIZON, units=(16,), head_units=())
    model.compile("adam", loss=zoo.losses.QuantileLoss(model.get_layer("quantiles").quantiles))
    source = zoo.data.iter_csv_panel(path, target="value", id_column="id", date_column="month")
    started, steps, loss = time.perf_counter(), 0, None
    for x, y in windows.stream(source, batch_size=BATCH, holdout=HORIZON):
        loss = float(model.train_on_batch(x, y))
        steps += 1
    keras.backend.clear_session()
    return {
        "steps": steps,
        "windows": steps * BATCH,
        "seconds": round(time.perf_counter() - started, 1),
        "last_loss": loss,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.panel_memory", description=__doc__)
    p.add_argument("--series", default="10000,100000", help="panel sizes, comma-separated")
    p.add_argument("--out", type=Path, default=Path("benchmarks"))
    p.add_argument("--work", type=Path, default=Path("runs") / "panel_memory")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:  # one measurement, in its own process
        print(json.dumps(train_streaming(args.child)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    records = []
    for series in [int(n) for n in args.series.split(",")]:
        path = args.work / f"panel-{series}.csv"
        if not path.exists():
            write_panel(path, series)
        found = subprocess.run(
            [sys.executable, "-m", "benchmarks.panel_memory", "--child", str(path)],
            capture_output=True,
            text=True,
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
            check=True,
        )
        record = json.loads(found.stdout.strip().splitlines()[-1])
        record |= {"series": series, "file_mb": round(path.stat().st_size / 2**20, 1)}
        records.append(record)
        print(record, flush=True)
    import keras

    lines = [
        "# Training on a streamed panel: peak memory against the panel's size",
        "",
        f"`KERAS_BACKEND={keras.backend.backend()} python -m benchmarks.panel_memory` "
        f"(`--series {args.series}`): one pass over every window of a generated long CSV "
        f"({STEPS} monthly values per series), `zoo.mqrnn` of 16 units, batches of {BATCH}, "
        "read through `iter_csv_panel` and `ForecastWindows.stream`.",
        "",
        "| series | CSV (MB) | windows | seconds | peak resident memory (MB) |",
        "|---|---|---|---|---|",
        *[
            f"| {r['series']:,} | {r['file_mb']} | {r['windows']:,} | {r['seconds']} | "
            f"{r['peak_rss_mb']} |"
            for r in records
        ],
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "panel_memory.md").write_text("\n".join(lines))
    (args.out / "panel_memory.json").write_text(json.dumps(records, indent=1) + "\n")


if __name__ == "__main__":
    main()
