"""The tensorflow backend's LSTM path: Keras's own loop, compiled by XLA to predict.

Training runs Keras's own loop, because it measured fastest where it counts.
Side by side in one process (`fit` samples/s, zoo's model over the same model
from `keras.layers.LSTM`; `python -m benchmarks.run` and
`python -m benchmarks.tf_training_routes`, docs/speed.md): TensorFlow's fused
`BlockLSTM` kernel 1.9 at the small benchmark size but 0.5 to 0.9 at the
standard and large ones; one XLA-compiled loop per layer 1.4 / 0.86 / 0.51;
the whole train step under `jit_compile=True` 1.9 / 1.0 / 0.2 to 0.4. None is
at or above Keras's layer at every size, so this fast path declines every call
(as on jax): on the CPU the layer runs Keras's `tf.while_loop`, and on a GPU
Keras's own cuDNN path, which `keras.layers.LSTM` tries before its loop.

Prediction is where XLA wins: the lean `predict` runs the forward call as one
`tf.function(jit_compile=True)` of Keras's loop, 2.3 to 6.7 times Keras's own
`predict` at the three benchmark sizes (docs/speed.md).
"""

import weakref

import tensorflow as tf


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
    raise NotImplementedError(
        "tensorflow: Keras's loop (CPU) and cuDNN path (GPU) train fastest; XLA serves predict"
    )


def supports_jit():
    return True  # Keras's loop compiles under XLA


def eager_layer_calls():
    return False  # TensorFlow traces the model: `Layer.__call__` costs nothing per batch


_PREDICT_FUNCTIONS = weakref.WeakKeyDictionary()


def predict_function(model):
    """One batch of `model.predict`: a compiled function of the forward call.

    Cached per model, traced once per batch shape (`reduce_retracing` turns
    the last, smaller batch into a shape-generic trace). On the CPU an XLA
    function (see the module's docstring); a model XLA cannot compile, and
    any model on a GPU (cuDNN), get a plain `tf.function`. Declines under a
    `tf.distribute` strategy, which Keras's own `predict` runs.
    """
    if tf.distribute.has_strategy() or getattr(model, "_distribute_strategy", None):
        raise NotImplementedError("lean predict: not under a tf.distribute strategy")
    if model not in _PREDICT_FUNCTIONS:
        _PREDICT_FUNCTIONS[model] = _Forward(model)
    return _PREDICT_FUNCTIONS[model]


class _Forward:
    def __init__(self, model):
        model_ref = weakref.ref(model)  # the cache's value must not keep its key alive

        def forward(batch):
            return model_ref()(batch, training=False)

        self.plain = tf.function(forward, reduce_retracing=True)
        self.xla = None
        if not tf.config.list_logical_devices("GPU"):
            self.xla = tf.function(forward, jit_compile=True, reduce_retracing=True)

    def __call__(self, batch):
        if self.xla is not None:
            try:
                return self.xla(batch)
            except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
                self.xla = None  # an op XLA cannot compile: the plain function serves
        return self.plain(batch)
