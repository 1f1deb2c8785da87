"""Per-backend fast paths, each behind one function.

`lstm(...)` takes the arguments of `keras.src.backend.<backend>.rnn.lstm` and
returns `(last_output, outputs, [h, c])`, or raises `NotImplementedError` when
the running backend has no fused kernel that can serve this call; the layer
then falls back to Keras's portable loop. `predict(...)` is the lean inference
loop of `zoo.models.SequenceModel.predict`, with the same fall-back contract.
This is the only place in `zoo/` that may import a backend framework, and it
does so lazily.
"""

import importlib
import math

import keras
import numpy as np

_FAST_PATHS = {
    "tensorflow": "zoo.backends.tensorflow",
    "jax": "zoo.backends.jax",
    "torch": "zoo.backends.torch",
}


_TANH = (keras.activations.tanh, keras.ops.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid)


def _module():
    name = _FAST_PATHS.get(keras.backend.backend())
    if name is None:
        return None
    return importlib.import_module(name)


def lstm(
    inputs,
    initial_h,
    initial_c,
    mask,
    *,
    kernel,
    recurrent_kernel,
    bias,
    activation,
    recurrent_activation,
    return_sequences=False,
    go_backwards=False,
    unroll=False,
    zero_output_for_mask=False,
):
    """Runs the backend's fused LSTM, or raises `NotImplementedError`.

    `zero_output_for_mask` (set by `keras.layers.Bidirectional` on the layers
    it wraps) makes masked steps output zeros instead of what Keras's loop
    carries over; it applies to `return_sequences=True` only.
    """
    module = _module()
    if module is None:
        raise NotImplementedError(f"No fast path for backend {keras.backend.backend()}")
    if activation not in _TANH or recurrent_activation not in _SIGMOID:
        raise NotImplementedError("fused kernels compute tanh and sigmoid gates only")
    zeroed = zero_output_for_mask and mask is not None
    if zeroed and not return_sequences:
        raise NotImplementedError("zero_output_for_mask without return_sequences")
    last, outputs, states = module.lstm(
        inputs,
        initial_h,
        initial_c,
        mask,
        kernel=kernel,
        recurrent_kernel=recurrent_kernel,
        bias=bias,
        activation=activation,
        recurrent_activation=recurrent_activation,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        unroll=unroll,
    )
    if zeroed:
        keep = keras.ops.flip(mask, axis=1) if go_backwards else mask
        outputs = keras.ops.where(keras.ops.expand_dims(keep, -1), outputs, 0.0)
        last = outputs[:, -1]
    return last, outputs, states


def supports_jit():
    """Whether the running backend's fast path compiles under XLA (`jit_compile`)."""
    module = _module()
    return getattr(module, "SUPPORTS_JIT", True)


def eager_layer_calls():
    """Whether models may call their layers' `call` directly: eager torch only.

    TensorFlow and JAX trace a model once into a compiled function, where
    `Layer.__call__` costs nothing per batch and may place tensors (layouts
    under a `keras.distribution`); the torch backend runs every call eagerly.
    """
    direct = getattr(_module(), "eager_layer_calls", None)
    return direct is not None and keras.distribution.distribution() is None and direct()


def predict(model, x, *, batch_size, verbose):
    """`model.predict(x)` for in-memory arrays, without Keras's predict machinery.

    Slices `x` (an array or backend tensor, or a list or dict of them) into
    batches, runs the backend's compiled or gradient-free forward call on each
    (`predict_function(model)` in the backend's module), shows Keras's progress
    bar when `verbose` asks for one, and concatenates the outputs to NumPy,
    as `keras.Model.predict` does. Raises `NotImplementedError` when the
    backend has no such function or the input or set-up is one that Keras's
    own `predict` should handle (generators, datasets, distribution).
    """
    make_step = getattr(_module(), "predict_function", None)
    if make_step is None:
        raise NotImplementedError(f"No lean predict for backend {keras.backend.backend()}")
    if keras.distribution.distribution() is not None:
        raise NotImplementedError("lean predict: not under a keras.distribution")
    flat = keras.tree.flatten(x)
    # A tuple is Keras's (x, y, sample_weight); datasets, generators and frames
    # are leaves that are not arrays: all of them are for Keras's own predict.
    if isinstance(x, tuple) or not flat or not all(in_memory(a) and len(a.shape) for a in flat):
        raise NotImplementedError("lean predict: arrays and tensors only")
    samples = {int(a.shape[0]) for a in flat}
    if len(samples) != 1 or samples == {0}:
        raise NotImplementedError("lean predict: Keras reports mismatched or empty inputs")
    step = make_step(model)
    steps = math.ceil(samples.pop() / batch_size)
    bar = None
    if verbose != 0:
        bar = keras.utils.Progbar(steps, verbose=1 if verbose == "auto" else verbose)
    outputs = []
    for i in range(steps):
        part = [a[i * batch_size : (i + 1) * batch_size] for a in flat]
        outputs.append(step(keras.tree.pack_sequence_as(x, part)))
        if bar is not None:
            bar.update(i + 1)
    outputs = keras.tree.map_structure(keras.ops.convert_to_numpy, outputs)
    return keras.tree.map_structure_up_to(outputs[0], lambda *p: np.concatenate(p), *outputs)


def in_memory(value):
    """Whether `value` is a NumPy array or a backend tensor (not a dataset or generator)."""
    return isinstance(value, np.ndarray) or keras.ops.is_tensor(value)
