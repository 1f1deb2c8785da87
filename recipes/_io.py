"""The bottom floor of recipes/: files written whole or not at all, and a
folder's files replaced as a set. Each file goes to a temporary name of this
process in its folder and is renamed into place. A folder being `staged`
receives nothing until `commit`: every file written into it lands in its
staging folder, and `commit` swaps the whole set in (the previous set out,
the new one in, the finish marker last), putting the previous set back if
the swap fails. Nothing here knows what a run is."""

import contextlib
import csv
import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np

import zoo

STAGING = ".staging"  # inside a staged folder: the set being written
MANIFEST = ".artifacts.json"  # inside a committed folder: the names of its set
_staged = {}  # a staged folder's real path -> its staging folder


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path` (in the staging folder of a
    staged folder); renames it into place on success."""
    path = _staged_path(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
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
        path = _staged_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
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


# === A folder's files as a set ===


def stage(folder):
    """From now on, files written into `folder` go to its staging folder
    (emptied first: what an interrupted process left there is not part of
    any set) until `commit(folder)`."""
    folder = Path(folder)
    staging = folder / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _staged[os.path.realpath(folder)] = staging


def _staged_path(path):
    staging = _staged.get(os.path.realpath(path.parent))
    return path if staging is None or path.name.startswith(".") else staging / path.name


def commit(folder, last="metrics.json"):
    """Swaps the staged set into `folder`: the files of the previous set (the
    names its manifest lists, and any the new set replaces) move out, `last`
    (the finish marker) first; the new set moves in, `last` last; the new
    manifest is written. If any move fails, the new set goes back to staging
    and the previous set back into place before the error is raised. Returns
    the names of the new set."""
    folder = Path(folder)
    staging = _staged.pop(os.path.realpath(folder))
    new = sorted((p.name for p in staging.iterdir() if ".partial" not in p.name), key=_marker(last))
    previous = set(new)
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            listed = json.loads(manifest.read_text())
            previous |= {n for n in listed if isinstance(n, str) and n and "/" not in n}
        except (OSError, ValueError):
            pass  # a damaged manifest: only the names the new set replaces go
    previous = [
        n
        for n in sorted(previous, key=_marker(last), reverse=True)
        if not n.startswith(".") and os.path.lexists(folder / n)
    ]
    aside = folder / f".previous.{os.getpid()}"
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir()
    moved_out, moved_in = [], []
    try:
        for name in previous:
            os.replace(folder / name, aside / name)
            moved_out.append(name)
        for name in new:
            os.replace(staging / name, folder / name)
            moved_in.append(name)
        write_json(manifest, new)
    except BaseException:
        for name in reversed(moved_in):
            _try(os.replace, folder / name, staging / name)
        for name in reversed(moved_out):
            _try(os.replace, aside / name, folder / name)
        _staged[os.path.realpath(folder)] = staging
        raise
    shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return new


def discard(folder):
    """Forgets the staging of `folder` (its staged files stay until the next
    `stage`)."""
    _staged.pop(os.path.realpath(folder), None)


def _marker(last):
    return lambda name: (name == last, name)


def _try(move, source, target):
    try:
        move(source, target)
    except OSError:
        pass  # the rollback goes on with the other files
