"""`zoo.export`: a model as an ONNX, LiteRT or SavedModel file with Keras's numbers.

Keras's own `model.export` does the conversion; this module picks what it
needs around it:

- zoo's shortcuts are off while the converter traces the model
  (`zoo._fast.disabled()`): every LSTM runs Keras's own loop over time steps,
  built from plain matrix products and gates that every converter knows,
  instead of a fused kernel (PyTorch's LSTM operator) or a lean predict
  function (TensorFlow's XLA one) that the converters cannot read or
  translate only through TensorFlow "Flex" ops. Keras's cuDNN paths are off
  too, for the same reason.
- the input signature is the model's own, with the batch and sequence
  lengths fixed where the route needs them fixed (see `export`), so a model
  that has only been through zoo's lean `predict` exports as well.
- a LiteRT file is checked for operators outside LiteRT's built-in set
  (Flex ops) and refused if it has any.

What each backend offers follows Keras 3.15: ONNX on TensorFlow (tf2onnx),
JAX (jax2onnx) and PyTorch (`torch.onnx`); LiteRT on TensorFlow (TensorFlow
Lite's converter) and PyTorch (litert-torch); a SavedModel on TensorFlow and
JAX (jax2tf). The runtimes and converters are optional extras, one per
backend: `lstm-zoo[export-tensorflow]`, `[export-jax]`, `[export-torch]`.
"""

import contextlib
import functools
import importlib.util
import os
import sys
import warnings

import keras

from zoo import _fast
from zoo._errors import InputError
from zoo._fast import internals

FORMATS = ("onnx", "litert", "saved_model")

# (backend, format) -> the packages the route imports, by import name.
_ROUTES = {
    ("tensorflow", "onnx"): ("tf2onnx", "onnx"),
    ("tensorflow", "litert"): (),  # TensorFlow Lite's converter ships with TensorFlow
    ("tensorflow", "saved_model"): (),
    ("jax", "onnx"): ("jax2onnx", "onnx"),
    ("jax", "saved_model"): ("tensorflow",),  # jax2tf writes TensorFlow's format
    ("torch", "onnx"): ("onnx", "onnxscript"),
    ("torch", "litert"): ("litert_torch",),
}

# Routes that are not offered, and why (Keras 3.15's `model.export`).
_REFUSED = {
    ("jax", "litert"): (
        "Keras converts to LiteRT from the tensorflow and torch backends only. Save the "
        "model (.keras) and export it in a process with KERAS_BACKEND=tensorflow or torch"
    ),
    ("torch", "saved_model"): (
        "Keras writes a SavedModel from torch only through torch_xla, which has no release "
        "for the torch version lstm-zoo is tested with. Save the model (.keras) and export "
        "it in a process with KERAS_BACKEND=tensorflow or jax"
    ),
}

# Routes that trace Keras's loop over time steps for one concrete shape:
# TensorFlow Lite lowers the loop's tensor lists only for a fixed batch size,
# and PyTorch's exporters run the Python loop over time steps once.
_FIXED_BATCH = {("tensorflow", "litert"), ("torch", "litert")}
_FIXED_TIMESTEPS = {("torch", "onnx"), ("torch", "litert")}

_PACKAGES = {  # import name -> what pip installs
    "tf2onnx": "tf2onnx",
    "onnx": "onnx",
    "jax2onnx": "jax2onnx",
    "onnxscript": "onnxscript",
    "litert_torch": "litert-torch",
    "tensorflow": "tensorflow-cpu",
    "ai_edge_litert": "ai-edge-litert",
}


def export(model, path, format="onnx", *, batch_size=None, timesteps=None):
    """Writes `model` as a file for inference runtimes, giving the same numbers as Keras.

    Uses Keras's `model.export` with zoo's fused LSTM kernels and lean paths
    off, so that the converter sees Keras's own LSTM loop.

    Args:
        model: a built functional `keras.Model`, such as any builder's model.
        path: str or path. The file to write: `.onnx` for ONNX, `.tflite`
            for LiteRT, a folder for a SavedModel.
        format: `"onnx"` (runs in ONNX Runtime), `"litert"` (the LiteRT
            interpreter, `ai-edge-litert`; built-in operators only, no Flex
            ops) or `"saved_model"` (TensorFlow's SavedModel, called
            `"tf_saved_model"` by Keras, which is accepted too).
        batch_size: int or None. The batch size the file takes. None: any,
            where the route allows it; LiteRT files take a fixed batch (the
            TensorFlow converter lowers Keras's loop only for a fixed batch,
            PyTorch's exporter traces one shape), 1 unless given.
        timesteps: int or None. For a model of variable length
            (`input_shape=(None, features)`): the sequence length the file
            takes, padded batches being the way to run shorter sequences.
            None keeps the length variable where the route allows it
            (TensorFlow, JAX); on torch the exporters trace Keras's loop
            over a fixed number of steps, so it is required there.

    Returns:
        `path`, as a string.

    Raises:
        InputError: the format is not offered on this backend, the model
            cannot be exported to it (the message says why), or an argument
            is wrong.
        ImportError: the format's converter is not installed
            (`pip install "lstm-zoo[export-tensorflow]"`, likewise `-jax`,
            `-torch`).

    Example:

    >>> model = zoo.lstm((20, 3), units=8, num_classes=2)
    >>> zoo.export(model, "model.onnx")  # doctest: +SKIP
    'model.onnx'
    """
    # === Checks ===
    format = check_format(format)
    backend = keras.backend.backend()
    route = (backend, format)
    if not isinstance(model, keras.Model) or not model.built:
        raise InputError(f"Expected `model` to be a built keras.Model. Received: model={model!r}")
    path = os.fspath(path)
    if format == "litert" and not path.endswith(".tflite"):
        raise InputError(
            f"Expected `path` to end with '.tflite' for format='litert'. Received: path={path!r}"
        )
    batch_size = _check_length("batch_size", batch_size)
    timesteps = _check_length("timesteps", timesteps)
    if batch_size is None and route in _FIXED_BATCH:
        batch_size = 1
    signature = _input_signature(model, batch_size, timesteps, route, format)

    # === Export ===
    options = {}
    if route == ("tensorflow", "litert"):
        import tensorflow as tf  # the backend's own framework, already imported by Keras

        # Built-in operators only: the converter fails rather than fall back to Flex ops
        options["target_spec"] = {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}
    keras_format = "tf_saved_model" if format == "saved_model" else format
    existed = os.path.exists(path)
    try:
        with _fast.disabled(), _traceable(model), warnings.catch_warnings():
            # torch's tracer warns that the loop over time steps is traced for one length
            warnings.filterwarnings("ignore", message=".*might cause the trace to be incorrect")
            model.export(
                path, format=keras_format, verbose=False, input_signature=signature, **options
            )
    except (ImportError, InputError):
        raise
    except Exception as error:
        if not existed:  # what the converter left half-written; never a file it found there
            _remove(path)
        raise InputError(
            _cannot(format, backend, f"the converter failed: {_first_line(error)}")
        ) from error

    # === Check ===
    if format == "onnx":
        _name_onnx_outputs(path, list(model.output_names))
    if format == "litert":
        custom = custom_operators(path)
        if custom:
            _remove(path)
            raise InputError(
                _cannot(
                    format,
                    backend,
                    "the file needs operators outside LiteRT's built-in set "
                    f"(Flex ops are TensorFlow's): {', '.join(custom)}",
                )
            )
    return path


def check_format(format):
    """`format` as `export` names it, if the current backend can export to it
    and its converter is installed; raises what `export` would raise before
    converting anything (for programs that train first and export last)."""
    backend = keras.backend.backend()
    format = {"tf_saved_model": "saved_model"}.get(format, format)
    if format not in FORMATS:
        raise InputError(f"Expected `format` to be one of {FORMATS}. Received: format={format!r}")
    route = (backend, format)
    if route in _REFUSED:
        raise InputError(_cannot(format, backend, _REFUSED[route]))
    if route not in _ROUTES:
        raise InputError(
            _cannot(format, backend, "Keras exports from the tensorflow, jax and torch backends")
        )
    needs = _ROUTES[route] + (("ai_edge_litert",) if format == "litert" else ())
    for name in needs:
        if name in sys.modules and sys.modules[name] is None:
            # marked absent to keep a run quiet (recipes/__init__.py); this route needs it
            del sys.modules[name]
    missing = [name for name in needs if importlib.util.find_spec(name) is None]
    if missing:
        packages = ", ".join(_PACKAGES[name] for name in missing)
        extras = sorted(
            {"tensorflow" if n == "tensorflow" else f"export-{backend}" for n in missing}
        )
        raise ImportError(
            f"Exporting to format={format!r} on the {backend} backend needs {packages}: "
            f'pip install "lstm-zoo[{",".join(extras)}]"'
        )
    return format


def _name_onnx_outputs(path, names):
    """Names the ONNX file's outputs as Keras names the model's (jax2onnx and torch number them).

    The converters keep Keras's output order (a dict's outputs by sorted
    key, as `model.output_names`); each renamed output gets an Identity node,
    so no name inside the graph changes. A file whose output count differs,
    or where a name is already taken, is left as written.
    """
    import onnx

    model = onnx.load(path)
    graph = model.graph
    current = [output.name for output in graph.output]
    if current == names or len(current) != len(names):
        return
    taken = {value for node in graph.node for value in node.output}
    taken |= {value.name for value in [*graph.input, *graph.initializer]}
    if taken & (set(names) - set(current)):
        return
    for output, name in zip(graph.output, names, strict=True):
        if output.name != name:
            graph.node.append(onnx.helper.make_node("Identity", [output.name], [name]))
            output.name = name
    onnx.save(model, path)


def custom_operators(path):
    """The names of the non-built-in operators (Flex ops among them) a LiteRT file calls."""
    schema = _litert_schema()
    with open(path, "rb") as f:
        model = schema.Model.GetRootAs(f.read(), 0)
    names = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.CUSTOM:
            names.add((code.CustomCode() or b"").decode())
    return sorted(names)


def _litert_schema():
    try:
        from ai_edge_litert import schema_py_generated
    except ImportError:  # TensorFlow ships the same generated reader
        from tensorflow.lite.python import schema_py_generated
    return schema_py_generated


def _input_signature(model, batch_size, timesteps, route, format):
    """The model's inputs as `keras.InputSpec`s, with the lengths the route needs fixed."""

    def spec(tensor):
        shape = list(tensor.shape)
        shape[0] = batch_size
        if len(shape) == 3 and shape[1] is None:
            if timesteps is None and route in _FIXED_TIMESTEPS:
                raise InputError(
                    _cannot(
                        format,
                        route[0],
                        "its exporter traces Keras's loop over a fixed number of time steps, "
                        "and this model takes sequences of any length. Pass `timesteps=` (the "
                        "padded length the file will take). Received: timesteps=None",
                    )
                )
            shape[1] = timesteps
        elif len(shape) == 3 and timesteps is not None and shape[1] != timesteps:
            raise InputError(
                f"Expected `timesteps` to be None or the model's own {shape[1]} time steps. "
                f"Received: timesteps={timesteps}"
            )
        return keras.InputSpec(shape=tuple(shape), dtype=tensor.dtype, name=tensor.name)

    try:
        inputs = model.input
    except (AttributeError, ValueError) as error:
        raise InputError(
            f"Expected a functional keras.Model (with Inputs), as the builders return. "
            f"Received: model={model!r}"
        ) from error
    return [keras.tree.map_structure(spec, inputs)]


@contextlib.contextmanager
def _traceable(model):
    """Every recurrent layer of `model` as converters can read it, for the block's duration.

    - Keras's cuDNN kernels off (`use_cudnn=False`; they serve on GPUs only):
      converters do not read them.
    - A `go_backwards` layer (the backward half of `Bidirectional`) reads its
      sequence flipped and runs forward: the same steps in the same order, as
      each backend's `rnn` does it internally, but jax2onnx has no reverse
      `lax.scan`, and Keras's torch loop traces a backward pass over a
      sequence length it reads as a tensor into an invalid ONNX graph.
    """
    # every layer: nested models, Bidirectional's halves, the decoders' LSTMs
    recurrent = [
        layer for layer in internals.all_layers(model) if isinstance(layer, keras.layers.RNN)
    ]
    fusable = [layer for layer in recurrent if hasattr(layer, "use_cudnn")]  # LSTM, GRU
    backward = [layer for layer in recurrent if layer.go_backwards]
    cudnn = [layer.use_cudnn for layer in fusable]
    for layer in fusable:
        layer.use_cudnn = False
    for layer in backward:
        layer.inner_loop = _forward_loop(layer, layer.inner_loop)
    try:
        yield
    finally:
        for layer, value in zip(fusable, cudnn, strict=True):
            layer.use_cudnn = value
        for layer in backward:
            del layer.inner_loop  # the class's method again


def _forward_loop(layer, inner_loop):
    """`inner_loop` of a `go_backwards` layer, run forward over the flipped sequence."""

    def flipped(sequences, initial_state, mask, training=False):
        flip = functools.partial(keras.ops.flip, axis=1)  # (batch, steps, ...) and masks
        sequences = keras.tree.map_structure(flip, sequences)
        if mask is not None:
            mask = keras.tree.map_structure(flip, mask)
        layer.go_backwards = False
        try:
            return inner_loop(sequences, initial_state, mask, training=training)
        finally:
            layer.go_backwards = True

    return flipped


def _check_length(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"Expected `{name}` to be a positive int or None. Received: {name}={value!r}"
        )
    return value


def _cannot(format, backend, reason):
    return f"Cannot export to format={format!r} on the {backend} backend: {reason}."


def _first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _remove(path):
    """Removes what a failed export left at `path` (a file or a SavedModel folder)."""
    if os.path.isdir(path):
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    elif os.path.exists(path):
        os.remove(path)
