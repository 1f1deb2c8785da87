"""The run file, `run.json`: what a finished run needs to predict new data.

Every training recipe writes it beside `model.keras` (before `metrics.json`,
which marks a finished run); `recipes.predict` reads it back. It is plain JSON,
never a pickle: the recipe and task, the model's name and the run's flags, the
input layout, and the preparation with its fitted numbers (scaler statistics,
class names, windows, thresholds). `version` rises when the layout changes;
a reader refuses a version newer than its own.

    {"format": "lstm-zoo run", "version": 1, "recipe": "classify",
     "task": "classification", "model": "lstm_fcn", "flags": {...},
     "input": {"steps": 150, "features": 1, "padded": false},
     "preparation": {"normalize": "series", "scaler": null,
                     "classes": ["1", "2"]}}
"""

import json
import math
import zipfile
from pathlib import Path

import numpy as np
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from recipes import _io
from zoo import InputError

NAME = "run.json"
FORMAT = "lstm-zoo run"
VERSION = 1
TASKS = (
    "classification",
    "forecasting",
    "series-to-number",
    "anomaly-series",
    "anomaly-sequences",
    "embed",
    "panel-forecasting",
)


def write(out_dir, *, recipe, task, model, flags, input, preparation):
    """Writes `run.json` into `out_dir`, whole or not at all."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}")  # a recipe's bug, not a user's
    _io.write_json(
        Path(out_dir) / NAME,
        {
            "format": FORMAT,
            "version": VERSION,
            "recipe": recipe,
            "task": task,
            "model": model,
            "flags": {key: str(v) if isinstance(v, Path) else v for key, v in flags.items()},
            "input": input,
            "preparation": preparation,
        },
    )


def read(run_dir):
    """The run file of the run in `run_dir`, checked; raises `zoo.InputError`
    naming the folder or file for anything a prediction cannot use."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"--run {run_dir}: no such folder")
    path = run_dir / NAME
    if not path.is_file():
        raise InputError(
            f"--run {run_dir}: no {NAME}; give the --out folder of a finished training run "
            "(runs made before lstm-zoo wrote run files cannot be replayed)"
        )
    if not (run_dir / "model.keras").is_file():
        raise InputError(f"--run {run_dir}: no model.keras beside {NAME}")
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a run file ({error})") from None
    if not isinstance(run, dict) or run.get("format") != FORMAT:
        raise InputError(f'{path}: not an lstm-zoo run file (no "format": "{FORMAT}")')
    version = run.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(f'{path}: "version" must be a whole number >= 1, got {version!r}')
    if version > VERSION:
        raise InputError(
            f"{path}: run file version {version} is newer than this lstm-zoo reads "
            f"({VERSION}); upgrade lstm-zoo"
        )
    for key, kind in (("recipe", str), ("task", str), ("model", str)):
        field(run, key, kind, path)
    for key in ("flags", "input", "preparation"):
        field(run, key, dict, path)
    if run["task"] not in TASKS:
        raise InputError(f"{path}: unknown task {run['task']!r}; expected one of {list(TASKS)}")
    run["path"] = str(path)
    return run


def load_model(run_dir, run):
    """The run's `model.keras`, checked against its run file (see `check_model`)."""
    import keras

    path = Path(run_dir) / "model.keras"
    try:
        model = keras.saving.load_model(path)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: not a model Keras can load ({type(error).__name__})") from None
    check_model(run, model)
    return model


def check_model(run, model):
    """Checks the run file `run` whole against the model beside it: the
    feature count, the classes, the length of every scaler (and its scales
    strictly positive and finite), the outputs; raises `zoo.InputError`
    naming run.json and the field that disagrees."""
    import keras

    source, task = run["path"], run["task"]
    layout, prep = run["input"], run["preparation"]
    first = keras.tree.flatten(model.inputs)[0]
    outputs = int(np.prod([d for d in keras.tree.flatten(model.outputs)[0].shape[1:] if d]))
    model_steps, model_features = first.shape[1], first.shape[-1]

    def agree(name, value, want, what):
        if value != want:
            raise InputError(f"{source}: {name} is {value!r}, but the model beside it {what}")

    if task == "panel-forecasting":
        return _check_panel(run, model, agree)
    if task in ("forecasting", "anomaly-series"):
        columns = field(layout, "columns", list, source)
        agree("input.columns", len(columns), model_features, f"reads {model_features} columns")
        features = len(columns)
    else:
        features = field(layout, "features", int, source)
        agree("input.features", features, model_features, f"reads {model_features} features")
        steps = field(layout, "steps", int, source, optional=True)
        if task in ("classification", "series-to-number") and model_steps is not None:
            agree("input.steps", steps, model_steps, f"reads {model_steps} steps")
    scalers = {"scaler": features}
    if task == "classification":
        classes = field(prep, "classes", list, source)
        if not classes or len(set(map(str, classes))) != len(classes):
            raise InputError(f"{source}: preparation.classes must be distinct names, got {classes}")
        agree("the length of preparation.classes", len(classes), outputs, f"has {outputs} outputs")
        if prep.get("scaler") is None:
            scalers = {}
    elif task == "series-to-number":
        scalers = {"input_scaler": features, "target_scaler": 1}
        agree("the model's output count", outputs, 1, "must predict one number")
    elif task == "forecasting":
        target = field(prep, "target", list, source)
        horizon = field(prep, "horizon", int, source)
        named = target + field(prep, "features", list, source)
        agree("preparation.target + features", len(named), features, f"reads {features} columns")
        scalers = {"input_scaler": features, "target_scaler": len(target)}
        agree("preparation.horizon x target", horizon * len(target), outputs, f"has {outputs}")
    elif task == "anomaly-series":
        agree(
            "preparation.target",
            len(field(prep, "target", list, source)),
            features,
            f"reads {features} columns",
        )
    for key, length in scalers.items():
        scaler = scaler_from(prep.get(key), source, f"preparation.{key}")
        if scaler.n_features_in_ not in (length, None):
            raise InputError(
                f"{source}: preparation.{key} holds {scaler.n_features_in_} columns' numbers, "
                f"but the model reads {length}"
            )
    if "threshold" in prep:
        threshold = field(prep, "threshold", (int, float), source)
        if not math.isfinite(threshold):
            raise InputError(f"{source}: preparation.threshold must be finite, got {threshold}")


def field(section, key, kind, source, optional=False):
    """`section[key]`, checked to be a `kind` (None allowed with `optional`)."""
    if key not in section:
        raise InputError(f"{source}: missing {key!r}")
    value = section[key]
    if value is None and optional:
        return None
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
    if not ok:
        names = getattr(kind, "__name__", None) or " or ".join(k.__name__ for k in kind)
        raise InputError(f"{source}: {key!r} must be a {names}, got {value!r}")
    return value


def sequences_input(x, padded):
    """The input layout of a model reading sequences like `x` (n, steps,
    features): any length when `padded` (the model masks), else `steps`."""
    return {"steps": None if padded else int(x.shape[1]), "features": int(x.shape[2])}


# === Scalers as plain numbers ===


def scaler_state(scaler):
    """A fitted scikit-learn scaler (see `zoo.data.make_scaler`) as JSON numbers."""
    if isinstance(scaler, StandardScaler):
        return {"kind": "standard", "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()}
    if isinstance(scaler, MinMaxScaler):
        return {
            "kind": "minmax",
            "data_min": scaler.data_min_.tolist(),
            "data_max": scaler.data_max_.tolist(),
            "min": scaler.min_.tolist(),
            "scale": scaler.scale_.tolist(),
        }
    if isinstance(scaler, FunctionTransformer) and scaler.func is None:
        return {"kind": "none"}
    raise TypeError(f"no run-file form for {type(scaler).__name__}")


def scaler_from(state, source, name="scaler"):
    """The scaler `scaler_state` described, ready to transform (no refit);
    `name` is its field in the run file, for messages. A "none" scaler has
    `n_features_in_` None: it fits any width."""
    if not isinstance(state, dict) or state.get("kind") not in ("standard", "minmax", "none"):
        raise InputError(f"{source}: {name} must be standard, minmax or none, got {state!r}")
    if state["kind"] == "none":
        scaler = FunctionTransformer(check_inverse=False).fit(np.zeros((1, 1)))
        scaler.n_features_in_ = None
        return scaler
    keys = ("mean", "scale") if state["kind"] == "standard" else ("data_min", "data_max")
    keys += () if state["kind"] == "standard" else ("min", "scale")
    numbers = {key: _numbers(state, key, source, name) for key in keys}
    if len({len(v) for v in numbers.values()}) != 1:
        raise InputError(f"{source}: {name}: {list(keys)} differ in length")
    if not (numbers["scale"] > 0).all():
        raise InputError(
            f"{source}: {name}.scale must be strictly positive, got {numbers['scale'].min():g}"
        )
    if state["kind"] == "minmax" and not (numbers["data_max"] >= numbers["data_min"]).all():
        raise InputError(f"{source}: {name}.data_max is below its data_min")
    if state["kind"] == "standard":
        scaler = StandardScaler()
        scaler.mean_, scaler.scale_ = numbers["mean"], numbers["scale"]
        scaler.var_ = scaler.scale_**2
        scaler.n_samples_seen_ = 1
    else:
        scaler = MinMaxScaler()
        scaler.data_min_, scaler.data_max_ = numbers["data_min"], numbers["data_max"]
        scaler.data_range_ = scaler.data_max_ - scaler.data_min_
        scaler.min_, scaler.scale_ = numbers["min"], numbers["scale"]
        scaler.n_samples_seen_ = 1
    scaler.n_features_in_ = len(numbers[keys[0]])
    return scaler


def _numbers(state, key, source, name):
    values = state.get(key)
    if (
        not isinstance(values, list)
        or not values
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        )
    ):
        raise InputError(f"{source}: {name}.{key} must be a list of finite numbers")
    return np.array(values, dtype="float64")


def _check_panel(run, model, agree):
    """A panel forecasting run against its model: the context, horizon and
    quantile levels, the base and the covariates' scaling."""
    source, prep = run["path"], run["preparation"]
    inputs = list(model.inputs) if isinstance(model.inputs, list | tuple) else [model.inputs]
    first = next((t for t in inputs if t.name.startswith("sequence")), inputs[0])
    outputs = model.outputs[0].shape
    context = field(prep, "context", int, source)
    horizon = field(prep, "horizon", int, source)
    for name, value in (("context", context), ("horizon", horizon)):
        if value < 1:
            raise InputError(f"{source}: preparation.{name} must be 1 or more, got {value}")
    if field(prep, "base", str, source) not in ("last", "season"):
        raise InputError(
            f"{source}: preparation.base must be 'last' or 'season', got {prep['base']!r}"
        )
    if prep["base"] == "season" and not field(prep, "season", int, source, optional=True):
        raise InputError(f"{source}: preparation.season is needed by the base 'season'")
    field(prep, "log", bool, source)
    levels = field(prep, "quantiles", list, source)
    numbers = [q for q in levels if isinstance(q, int | float) and not isinstance(q, bool)]
    if (
        len(numbers) != len(levels)
        or not all(0 < q < 1 for q in levels)
        or (sorted(set(levels)) != levels or 0.5 not in levels)
    ):
        raise InputError(
            f"{source}: preparation.quantiles must be increasing numbers in (0, 1) "
            f"holding 0.5, got {levels}"
        )
    covariates = field(prep, "covariates", dict, source)
    widths = 3
    for kind in ("past", "future", "static"):
        for item in field(covariates, kind, list, source):
            std = item.get("std") if isinstance(item, dict) else None
            mean = item.get("mean") if isinstance(item, dict) else None
            if not all(isinstance(v, int | float) and math.isfinite(v) for v in (mean, std)) or (
                std <= 0
            ):
                raise InputError(
                    f"{source}: preparation.covariates.{kind} needs a finite mean and a "
                    f"positive std for each column, got {item!r}"
                )
            widths += 1
    agree(
        "the input width of preparation.covariates",
        widths,
        first.shape[-1],
        f"reads {first.shape[-1]} inputs",
    )
    if run["model"] == "mqrnn":
        agree("preparation.context", context, first.shape[1], f"reads {first.shape[1]} steps")
        agree("preparation.horizon", horizon, outputs[1], f"forecasts {outputs[1]} steps")
        agree(
            "the length of preparation.quantiles",
            len(levels),
            outputs[2],
            f"gives {outputs[2]} quantiles",
        )
