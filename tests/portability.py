"""Saves and loads models across backends; run by test_cross_backend.py.

    KERAS_BACKEND=jax python -m tests.portability save DIR
    KERAS_BACKEND=torch python -m tests.portability load DIR

`save` builds the cases of every registered builder that hold a layer or an
output structure the first case lacks (the first case, masked variable-length
ones, attention, squeeze-and-excite, the autoencoder's future and conditional
decoders; see `portable`), and one model holding an LSTM of every variant
(`helpers.all_variants_model`), moves every weight off its initial value
(`moved`), and writes `<backend>-<case>.keras` with its inputs and
predictions. `load` reloads every file the other backends saved and writes the
largest absolute difference of its predictions to `loaded-<backend>.json` (a
backend's own files are reloaded by `helpers.check_builder` in its suite).
"""

import json
import sys
from pathlib import Path

try:  # torch loads before TensorFlow where both share a process
    import torch  # noqa: F401
except ImportError:
    pass

import keras
import numpy as np

import zoo
from tests.cases import CASES
from tests.helpers import all_variants_model, autoencoder_task, toy_task

PORTABLE_OPTIONS = ("masking", "attention", "future_steps", "conditional")


def portable(name, index, kwargs):
    """Whether a case goes through the cross-backend check: every case would
    repeat the same layers many times over (the run took 17 minutes)."""
    return index == 0 or name == "mlstm_fcn" or any(kwargs.get(o) for o in PORTABLE_OPTIONS)


def portable_cases():
    for name in zoo.list_models():
        for index, (kwargs, kind, output_shape) in enumerate(CASES[name]):
            if portable(name, index, kwargs):
                yield f"{name}-{index}", name, kwargs, kind, output_shape


def save(directory):
    backend = keras.backend.backend()
    cases = list(portable_cases())
    cases.append(("all_variants", None, dict(input_shape=(6, 2)), "regression", (9 * 3,)))
    for case_id, name, kwargs, kind, output_shape in cases:
        keras.utils.set_random_seed(0)
        if name is None:
            model = all_variants_model(*kwargs["input_shape"], units=3)
        else:
            model = zoo.get_model(name, **kwargs)
        if kind == "autoencoding":
            x, _ = autoencoder_task(kwargs)
        else:
            x, _ = toy_task(kind, kwargs["input_shape"], output_shape)
        model.set_weights(moved(model.get_weights()))
        # compiled, so that the file carries a compile config for the other backends to read
        loss = "sparse_categorical_crossentropy" if kind == "classification" else "mse"
        model.compile(optimizer="adam", loss=loss)
        x = keras.tree.map_structure(lambda a: a[:8], x)
        if kwargs.get("masking"):  # right-pad two of the sequences
            x[0, 5:] = kwargs.get("mask_value", 0.0)
            x[1, 9:] = kwargs.get("mask_value", 0.0)
        stem = directory / f"{backend}-{case_id}"
        model.save(stem.with_suffix(".keras"))
        y = model.predict(x, verbose=0)
        np.savez(stem.with_suffix(".npz"), **_pack("x", x), **_pack("y", y))


def moved(weights, seed=0):
    """Every float weight moved off its initial value (zero biases and
    BatchNormalization's statistics included; variances stay positive), as
    training would, without compiling and fitting each model: that took
    most of this check's time."""
    rng = np.random.default_rng(seed)
    return [
        w * rng.uniform(0.8, 1.2, w.shape).astype(w.dtype)
        + rng.uniform(0.01, 0.05, w.shape).astype(w.dtype)
        if w.dtype.kind == "f"
        else w  # seed generators' states
        for w in weights
    ]


def _pack(prefix, value):
    """Arrays, or dicts of arrays, as flat npz entries: `x` or `x/<key>`."""
    if isinstance(value, dict):
        return {f"{prefix}/{key}": array for key, array in value.items()}
    return {prefix: value}


def _unpack(data, prefix):
    if prefix in data.files:
        return data[prefix]
    keys = [name for name in data.files if name.startswith(f"{prefix}/")]
    return {name.split("/", 1)[1]: data[name] for name in keys}


def load(directory):
    backend = keras.backend.backend()
    differences = {}
    for path in sorted(directory.glob("*.keras")):
        if path.stem.startswith(f"{backend}-"):
            continue  # its own files: every suite's builder check reloads on the same backend
        data = np.load(path.with_suffix(".npz"))
        model = keras.saving.load_model(path, safe_mode=True)
        got = model.predict(_unpack(data, "x"), verbose=0)
        expected = _unpack(data, "y")
        differences[path.stem] = max(
            float(np.max(np.abs(np.asarray(got[k] if isinstance(got, dict) else got) - e)))
            for k, e in (expected.items() if isinstance(expected, dict) else [(None, expected)])
        )
    (directory / f"loaded-{backend}.json").write_text(json.dumps(differences, indent=1))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    {"save": save, "load": load}[command](directory)
