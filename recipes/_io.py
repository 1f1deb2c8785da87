"""The bottom floor of recipes/: files written whole or not at all. Each goes to
a temporary name in its folder and is renamed into place; nothing here knows
what a run is."""

import contextlib
import csv
import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np

import zoo


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


def export(out_dir, model, format, timesteps=None):
    """`model` through `zoo.export` as `EXPORTED[format]` in `out_dir`, whole
    or not at all; `timesteps` fixes the length of a variable-length model
    where the format needs one (the training data's padded length)."""
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
