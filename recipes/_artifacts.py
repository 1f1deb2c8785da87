"""Artifacts, written whole or not at all: each goes to a temporary name in the
output folder and is renamed into place."""

import contextlib
import csv
import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_json(path, data):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value)}")


def write_csv(path, header, rows):
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def save_model(path, model):
    with atomic_path(path) as tmp:
        model.save(tmp)


EXPORTED = {"onnx": "model.onnx", "litert": "model.tflite", "saved_model": "saved_model"}


def save_run(
    out_dir, model, history, metrics, curve_metric=None, run=None, exports=(), timesteps=None
):
    """Writes what every recipe writes (model.keras, the `exports` (see
    `export`), history.csv, learning_curves.png, `run` as run.json (see
    `recipes._run`), metrics.json last), drops the training state and lists
    the output folder."""
    from recipes import _plots, _run, _training

    out_dir = Path(out_dir)
    save_model(out_dir / "model.keras", model)
    for format in exports:
        export(out_dir, model, format, timesteps)
    if run is not None:
        _run.write(out_dir, **run)
    _training.write_history(out_dir / "history.csv", history)
    _plots.learning_curves(out_dir / "learning_curves.png", history, metric=curve_metric)
    write_json(out_dir / "metrics.json", metrics)
    _training.finish(out_dir)
    written = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    print(f"\nWrote {out_dir}/: {' '.join(written)}")


def export(out_dir, model, format, timesteps=None):
    """`model` through `zoo.export` as `EXPORTED[format]` in `out_dir`, whole
    or not at all; `timesteps` fixes the length of a variable-length model
    where the format needs one (the training data's padded length)."""
    import zoo

    path = Path(out_dir) / EXPORTED[format]
    variable = any(
        len(tensor.shape) == 3 and tensor.shape[1] is None
        for tensor in keras.tree.flatten(model.input)
    )
    if format == "saved_model":  # a folder: written beside, then renamed into place
        temporary = path.with_name(f".{path.name}.partial")
        shutil.rmtree(temporary, ignore_errors=True)
        try:
            zoo.export(model, temporary, format, timesteps=timesteps if variable else None)
            shutil.rmtree(path, ignore_errors=True)
            os.replace(temporary, path)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return
    with atomic_path(path) as tmp:
        zoo.export(model, tmp, format, timesteps=timesteps if variable else None)


def environment(seed, devices):
    """What metrics.json records about where a run ran."""
    return {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "seed": seed,
        "devices": devices,
    }
