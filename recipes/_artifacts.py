"""A finished run's folder, assembled at the top of recipes/' bottom floor: the
model, its exports, run.json, the history and its plot, metrics.json last (it
marks a finished run), all staged (see `recipes._io.stage`) with what the
recipe wrote before, then swapped in as one set; then the training state
goes."""

import contextlib
from pathlib import Path

import keras

from recipes import _cli, _interrupt, _io, _plots, _run, _training


@contextlib.contextmanager
def opened(*, out, distribute, resume, flags, policy):
    """Opens a training run (the named values of `_cli.run_flags`): the device
    scope of `distribute`, the training state in `out` (fresh, or the
    interrupted one with `resume`, whose `flags` must match) and the training
    policy; yields `(devices, state, policy)`. The device check comes first,
    so a refused `--distribute` leaves no output folder."""
    with _training.devices_scope(distribute, policy["batch_size"]) as devices:
        state = _training.start(out, resume=resume, flags=flags)
        yield devices, state, _cli.policy_for(devices, **policy)


def save_run(
    out_dir, model, history, metrics, curve_metric=None, run=None, exports=(), timesteps=None
):
    """Writes what every recipe writes (model.keras, the `exports` (see
    `export`), history.csv, learning_curves.png, `run` as run.json (see
    `recipes._run`), metrics.json last), drops the training state and lists
    the output folder."""
    out_dir = Path(out_dir)
    _interrupt.check()  # an interrupt that a library swallowed stops the run before it ends
    _io.save_model(out_dir / "model.keras", model)
    for format in exports:
        _io.export(out_dir, model, format, timesteps)
    if run is not None:
        _run.write(out_dir, **run)
    _training.write_history(out_dir / "history.csv", history)
    _plots.learning_curves(out_dir / "learning_curves.png", history, metric=curve_metric)
    _io.write_json(out_dir / "metrics.json", metrics)
    _interrupt.check()
    _io.commit(out_dir, last="metrics.json")
    _training.finish(out_dir)
    written = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    print(f"\nWrote {out_dir}/: {' '.join(written)}")


def environment(seed, devices):
    """What metrics.json records about where a run ran."""
    return {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "seed": seed,
        "devices": devices,
    }
