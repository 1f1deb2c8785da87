"""Per-backend fast pieces, each behind one function.

Every backend module (`tensorflow.py`, `jax.py`, `torch.py`, and
`portable.py` for Keras backends zoo has nothing for) defines the same four
functions; the one for Keras's backend is chosen once, when zoo is imported
(Keras has imported its framework by then, so this imports nothing new):

- `lstm(...)` takes the arguments of `keras.layers.LSTM`'s fused-kernel hook
  and returns `(last_output, outputs, [h, c])`, or raises
  `NotImplementedError` when it cannot serve the call; the layer then falls
  back to Keras's own path, as Keras does for cuDNN.
- `predict_function(model)` returns one batch's forward function for the
  lean predict (`zoo._fast.predict`), or raises `NotImplementedError`.
- `eager_layer_calls()`: whether models may call their layers' `call`
  directly (`zoo._fast.walk`).
- `supports_jit()`: whether the fused kernel compiles under XLA.

This is the only place in `zoo/` that imports a backend framework. Whether
any of it serves at all is `zoo._fast.enabled()`'s to say (`ZOO_FAST_PATHS`).
"""

import importlib

import keras

_MODULES = {
    "tensorflow": "zoo.backends.tensorflow",
    "jax": "zoo.backends.jax",
    "torch": "zoo.backends.torch",
}

_backend = importlib.import_module(_MODULES.get(keras.backend.backend(), "zoo.backends.portable"))

_TANH = (keras.activations.tanh, keras.ops.tanh)
_SIGMOID = (keras.activations.sigmoid, keras.ops.sigmoid)


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
    if activation not in _TANH or recurrent_activation not in _SIGMOID:
        raise NotImplementedError("fused kernels compute tanh and sigmoid gates only")
    zeroed = zero_output_for_mask and mask is not None
    if zeroed and not return_sequences:
        raise NotImplementedError("zero_output_for_mask without return_sequences")
    last, outputs, states = _backend.lstm(
        inputs,
        initial_h,
        initial_c,
        mask,
        kernel=kernel,
        recurrent_kernel=recurrent_kernel,
        bias=bias,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        unroll=unroll,
    )
    if zeroed:
        keep = keras.ops.flip(mask, axis=1) if go_backwards else mask
        outputs = keras.ops.where(keras.ops.expand_dims(keep, -1), outputs, 0.0)
        last = outputs[:, -1]
    return last, outputs, states


def predict_function(model):
    """One batch of `model.predict` for the lean loop, or `NotImplementedError`."""
    return _backend.predict_function(model)


def supports_jit():
    """Whether the running backend's fused kernel compiles under XLA (`jit_compile`)."""
    return _backend.supports_jit()


def eager_layer_calls():
    """Whether models may call their layers' `call` directly: eager torch only.

    TensorFlow and JAX trace a model once into a compiled function, where
    `Layer.__call__` costs nothing per batch and may place tensors (layouts
    under a `keras.distribution`); the torch backend runs every call eagerly.
    """
    return keras.distribution.distribution() is None and _backend.eager_layer_calls()
