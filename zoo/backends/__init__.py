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
):
    """Runs the backend's fused LSTM, or raises `NotImplementedError`."""
    module = _module()
    if module is None:
        raise NotImplementedError(f"No fast path for backend {keras.backend.backend()}")
    return module.lstm(
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
