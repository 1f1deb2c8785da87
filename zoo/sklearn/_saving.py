"""An estimator on disk without pickle: a folder of `model.keras` (loaded in
Keras's safe mode) and `estimator.json` (plain values, each checked on load).

Nothing read from the JSON is ever called or imported: the class comes from
the caller, the parameters must be the class's own names and pass its checks,
and the fitted values must have their types and agree with the model.
"""

import json
import math
import numbers
import os
from pathlib import Path

import keras
import numpy as np

from zoo._errors import InputError

FORMAT = "zoo.sklearn.estimator/1"
JSON_NAME = "estimator.json"
MODEL_NAME = "model.keras"

# Label dtypes `classes_` may have: NumPy kinds whose values JSON holds as is.
_LABEL_KINDS = {"U": str, "i": numbers.Integral, "u": numbers.Integral, "f": float, "b": bool}


class EntryError(ValueError):
    """A bad entry of `estimator.json`, before the file's path is attached."""

    def at(self, json_path):
        return InputError(f"{json_path}: {self}")


def save(path, estimator, fitted):
    """Writes `estimator.model_` and `{params, fitted}` into the folder `path`."""
    path = Path(path)
    params = {name: _plain(name, value) for name, value in estimator.get_params(deep=False).items()}
    document = {
        "format": FORMAT,
        "class": type(estimator).__name__,
        "params": params,
        "fitted": {name: _plain(name, value) for name, value in fitted.items()},
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    path.mkdir(parents=True, exist_ok=True)
    # Each file goes to a temporary name and is renamed into place: a folder
    # never holds half a file.
    model_tmp = path / f".{MODEL_NAME}.partial.keras"
    estimator.model_.save(model_tmp)
    os.replace(model_tmp, path / MODEL_NAME)
    json_tmp = path / f".{JSON_NAME}.partial"
    json_tmp.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
    os.replace(json_tmp, path / JSON_NAME)


def load(path, cls):
    """Reads the folder `path`: returns an unfitted `cls` with the saved
    parameters, the fitted entries (a `Fitted`), the model and the JSON path."""
    path = Path(path)
    json_path, model_path = path / JSON_NAME, path / MODEL_NAME
    for required in (json_path, model_path):
        if not required.is_file():
            raise InputError(
                f"{path}: no {required.name}; expected a folder written by {cls.__name__}.save"
            )
    try:
        document = json.loads(json_path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{json_path}: not valid JSON ({error})") from None
    try:
        estimator, fitted = _read_document(document, cls)
    except EntryError as error:
        raise error.at(json_path) from None
    try:
        model = keras.saving.load_model(model_path, safe_mode=True)
    except Exception as error:
        raise InputError(f"{model_path}: Keras could not load it in safe mode ({error})") from error
    return estimator, fitted, model, json_path


def _read_document(document, cls):
    if not isinstance(document, dict):
        raise EntryError(f"expected a JSON object. Received: {type(document).__name__}")
    if document.get("format") != FORMAT:
        raise EntryError(
            f"expected `format` to be {FORMAT!r}. Received: format={document.get('format')!r}"
        )
    if document.get("class") != cls.__name__:
        raise EntryError(
            f"holds a {document.get('class')!r}, not a {cls.__name__!r}; "
            f"load it with that class's load"
        )
    params = document.get("params")
    names = set(cls._get_param_names())
    if not isinstance(params, dict) or set(params) != names:
        received = sorted(params) if isinstance(params, dict) else params
        raise EntryError(
            f"expected `params` to hold exactly {sorted(names)}. Received: params={received!r}"
        )
    for name, value in params.items():
        _check_plain(f"params.{name}", value)
    estimator = cls(**{name: _tuples(value) for name, value in params.items()})
    try:
        estimator._check_params()
    except ValueError as error:
        raise EntryError(f"params: {error}") from None
    fitted = document.get("fitted")
    if not isinstance(fitted, dict):
        raise EntryError(f"expected `fitted` to be a JSON object. Received: fitted={fitted!r}")
    return estimator, Fitted(fitted)


class Fitted:
    """The `fitted` entries of `estimator.json`, each read with a type check
    that names it."""

    def __init__(self, entries):
        self.entries = entries

    def raw(self, name):
        if name not in self.entries:
            raise EntryError(f"`fitted.{name}` is missing")
        return self.entries[name]

    def positive_int(self, name, allowed=None):
        value = self.raw(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise EntryError(
                f"expected `fitted.{name}` to be an integer >= 1. Received: {name}={value!r}"
            )
        if allowed is not None and value not in allowed:
            raise EntryError(
                f"expected `fitted.{name}` to be one of {list(allowed)}. Received: {name}={value!r}"
            )
        return value

    def floats(self, name, length, positive=False):
        value = self.raw(name)
        good = isinstance(value, list) and len(value) == length
        good = good and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
        if good and positive:
            good = all(v > 0 for v in value)
        if not good:
            kind = "positive finite numbers" if positive else "finite numbers"
            raise EntryError(
                f"expected `fitted.{name}` to be a list of {length} {kind}. Received: {value!r}"
            )
        return np.asarray(value, dtype="float64")

    def history(self, name="history_"):
        value = self.raw(name)
        good = isinstance(value, dict) and all(
            isinstance(values, list)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            for values in value.values()
        )
        if not good:
            raise EntryError(
                f"expected `fitted.{name}` to map names to lists of numbers. Received: {value!r}"
            )
        return {key: [float(v) for v in values] for key, values in value.items()}

    def labels(self, name="classes_"):
        """Class labels saved by `labels_entry`: sorted, unique, at least 2."""
        value = self.raw(name)
        if not isinstance(value, dict) or set(value) != {"dtype", "values"}:
            raise EntryError(
                f"expected `fitted.{name}` to be {{'dtype': ..., 'values': [...]}}. "
                f"Received: {value!r}"
            )
        try:
            dtype = np.dtype(value["dtype"]) if isinstance(value["dtype"], str) else None
        except TypeError:
            dtype = None
        # a huge string width (`<U1000000000`) would allocate gigabytes per label
        if dtype is None or dtype.kind not in _LABEL_KINDS or dtype.itemsize > 4 * 4096:
            raise EntryError(
                f"expected `fitted.{name}.dtype` to be a NumPy string (up to 4096 characters), "
                f"integer, float or bool dtype. Received: {value['dtype']!r}"
            )
        labels = value["values"]
        kind = _LABEL_KINDS[dtype.kind]
        if (
            not isinstance(labels, list)
            or len(labels) < 2
            or not all(
                isinstance(v, kind) and (kind is bool or not isinstance(v, bool)) for v in labels
            )
        ):
            raise EntryError(
                f"expected `fitted.{name}.values` to be a list of at least 2 labels of dtype "
                f"{dtype}. Received: {labels!r}"
            )
        classes = np.asarray(labels, dtype=dtype)
        if not np.array_equal(classes, np.unique(classes)):
            raise EntryError(
                f"expected `fitted.{name}.values` to be sorted and unique, as `fit` leaves "
                f"them. Received: {labels!r}"
            )
        return classes


def labels_entry(classes):
    """`classes_` as JSON: its dtype and values."""
    if classes.dtype.kind not in _LABEL_KINDS:
        raise TypeError(
            f"Can't save labels of dtype {classes.dtype} as JSON; save works for string, "
            "integer, float and bool labels (pickle the estimator instead)"
        )
    return {"dtype": classes.dtype.str, "values": classes.tolist()}


def check_model(model, json_path, timesteps, features, outputs):
    """Raises unless the loaded model takes (timesteps, features) and, when
    `outputs` is given, has that many outputs."""
    taken = tuple(model.inputs[0].shape[1:])
    if taken != (timesteps, features):
        raise InputError(
            f"{json_path}: `fitted` says {timesteps} timesteps and {features} features, "
            f"but the model takes {taken}"
        )
    if outputs is not None and model.outputs[0].shape[-1] != outputs:
        raise InputError(
            f"{json_path}: `fitted` says {outputs} outputs, but the model has "
            f"{model.outputs[0].shape[-1]}"
        )


def _plain(name, value):
    """`value` as plain JSON (tuples as lists, NumPy scalars as Python ones)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(name, v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(name, v) for k, v in value.items()}
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(
        f"Can't save `{name}`={value!r} as JSON; save takes None, numbers, strings and "
        "lists of them (pickle the estimator instead)"
    )


def _check_plain(name, value):
    if isinstance(value, list):
        for item in value:
            _check_plain(name, item)
    elif not (value is None or isinstance(value, str | bool | int | float)):
        raise EntryError(f"expected `{name}` to be a number, string, null or list of them")


def _tuples(value):
    """Lists back to tuples, as the parameters were given (`units=(32, 32)`)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
