"""The jax backend's LSTM path (Keras's own: it measured fastest) and its lean predict.

Candidates measured on 2 CPU cores (batch 64, 50 steps, 8 features, 64
units; jitted forward / forward+backward of one layer): Keras's `lax.scan`
loop 1.34 / 4.4 ms; a leaner scan written here 1.42 / 5.9 ms; the same with
the input projection hoisted out of the loop into one matrix product
3.2 / 5.9 ms (XLA on the CPU slices the projected sequence slowly); scans
unrolled 2, 5, 10 steps 1.2 / 6.4, 9.3, 18.8 ms; one product of [x, h] with
the stacked kernels 1.4 / 5.8 ms; a fully unrolled Python loop 1.8 / 71 ms.
(One-off measurements of the first round; the script was not kept.
`python -m benchmarks.run --backends jax` measures zoo's layer, which is
Keras's scan, against a hand-written `lax.scan` under `jax.jit`,
`benchmarks/references.py`; docs/speed.md has its figures.)
None beats Keras's loop, so this fast path declines every call: on the CPU
the layer runs Keras's scan, and on a GPU Keras's own cuDNN path
(`jax.experimental.rnn`), which `keras.layers.LSTM` tries before its loop.

Prediction has a lean path: one `jax.jit` of the model's forward call
(`stateless_call`, training off), cached per model, run on each batch of the
in-memory array. Keras's own `predict` wraps the same compiled forward in its
epoch iterator, callback list and per-batch state hand-offs, which cost as
much as the LSTMs at small sizes: predict samples/s zoo/Keras 1.38 at the
small benchmark size, 1.03 at the standard and 0.96 (0.95 to 1.04) at the
large, where both run the same compiled forward (`make bench`,
docs/speed.md). JAX traces every model into one compiled function, where
`Layer.__call__` costs nothing per batch, so models do not walk their graph.
"""

import weakref

import jax


def lstm(
    inputs,
    initial_h,
    initial_c,
    mask,
    *,
    kernel,
    recurrent_kernel,
    bias,
    return_sequences=False,
    go_backwards=False,
    unroll=False,
):
    raise NotImplementedError("jax: Keras's scan (CPU) and cuDNN path (GPU) are the fastest")


_PREDICT_FUNCTIONS = weakref.WeakKeyDictionary()


def predict_function(model):
    """One batch of `model.predict`: the jitted forward call with the model's current weights.

    The compiled function is cached per model (traced once per batch shape)
    and takes the weights as arguments, so training between two `predict`
    calls needs no retrace. Declines for models with stateful layers, whose
    states Keras's `predict` carries from batch to batch (decided once per
    model: `stateful` is a constructor argument).
    """
    if model not in _PREDICT_FUNCTIONS:
        stateful = any(getattr(layer, "stateful", False) for layer in model._flatten_layers())
        _PREDICT_FUNCTIONS[model] = None if stateful else jax.jit(_forward(weakref.ref(model)))
    forward = _PREDICT_FUNCTIONS[model]
    if forward is None:
        raise NotImplementedError("lean predict: stateful layers carry state across batches")
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    return lambda batch: forward(trainable, non_trainable, batch)


def _forward(model_ref):
    # A weak reference: the cache's value must not keep its key alive
    def forward(trainable, non_trainable, batch):
        return model_ref().stateless_call(trainable, non_trainable, batch, training=False)[0]

    return forward


def supports_jit():
    return True  # nothing here runs outside XLA


def eager_layer_calls():
    return False  # JAX traces the model: `Layer.__call__` costs nothing per batch
