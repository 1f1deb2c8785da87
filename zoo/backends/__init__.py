"""Per-backend fast paths, each behind one function.

`lstm(...)` takes the arguments of `keras.src.backend.<backend>.rnn.lstm` and
returns `(last_output, outputs, [h, c])`, or raises `NotImplementedError` when
the running backend has no fused kernel that can serve this call; the layer
then falls back to Keras's portable loop. This is the only place in `zoo/`
that may import a backend framework, and it does so lazily.
"""

import importlib

import keras

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
