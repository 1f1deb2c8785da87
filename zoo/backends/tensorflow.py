"""Fast LSTM path for the tensorflow backend.

On the CPU, without a mask, it is TensorFlow's fused `BlockLSTM` kernel (one
op for the whole sequence, with its own gradient op); with a mask, a
`tf.while_loop` whose input projection is hoisted out of the loop into one
matrix product, masked the way Keras's loop masks (a masked step keeps the
state and repeats the previous output, zeros before the first valid step).
Neither route compiles under XLA, so a layer that may take them turns
`supports_jit` off when it is built, as Keras does for cuDNN (Keras leaves XLA
off on CPU-only machines anyway). On a GPU it declines, and
`keras.layers.LSTM` runs its own cuDNN path.

Inference on the CPU is the exception: Keras's own loop compiled by XLA
predicts about twice as fast as BlockLSTM (standard benchmark size, 2 cores:
15.8k against 7.3k samples/s), so the lean predict function is an XLA
function, traced inside `portable_lstm()`, where this path declines.

Read from tensorflow-cpu 2.21.0: `tensorflow.python.ops.rnn_grad` (private)
registers BlockLSTM's gradient; `import tensorflow` loads it too, and the
import here says the gradient is needed.
"""

import contextlib
import threading
import weakref

import tensorflow as tf
from keras import ops
from tensorflow.python.ops import rnn_grad  # noqa: F401 (registers BlockLSTM's gradient)


class _Portable(threading.local):
    depth = 0  # how many `portable_lstm()` blocks this thread is in


_portable = _Portable()


@contextlib.contextmanager
def portable_lstm():
    """Within this block `lstm` declines, so layers run Keras's loop (which XLA compiles)."""
    _portable.depth += 1
    try:
        yield
    finally:
        _portable.depth -= 1


def supports_jit():
    return False  # neither BlockLSTM nor the while loop compiles under XLA


def eager_layer_calls():
    return False  # TensorFlow traces the model: `Layer.__call__` costs nothing per batch


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
    if _portable.depth:
        raise NotImplementedError("tensorflow: Keras's loop compiles under XLA, BlockLSTM does not")
    if tf.config.list_logical_devices("GPU"):
        raise NotImplementedError("tensorflow on a GPU: keras.layers.LSTM's own cuDNN path serves")
    kernel = ops.convert_to_tensor(kernel)
    recurrent_kernel = ops.convert_to_tensor(recurrent_kernel)
    units = recurrent_kernel.shape[0]
    bias = tf.zeros([4 * units], kernel.dtype) if bias is None else ops.convert_to_tensor(bias)
    x = tf.transpose(tf.cast(ops.convert_to_tensor(inputs), kernel.dtype), [1, 0, 2])  # (T, B, F)
    if go_backwards:
        x = tf.reverse(x, [0])
    h0 = tf.cast(ops.convert_to_tensor(initial_h), kernel.dtype)
    c0 = tf.cast(ops.convert_to_tensor(initial_c), kernel.dtype)
    if mask is None:
        outputs, h, c = _block_lstm(x, h0, c0, kernel, recurrent_kernel, bias)
    else:
        keep = tf.transpose(tf.cast(ops.convert_to_tensor(mask), tf.bool), [1, 0])[..., None]
        if go_backwards:
            keep = tf.reverse(keep, [0])
        outputs, h, c = _masked_loop(x, h0, c0, keep, kernel, recurrent_kernel, bias)
    last = outputs[-1]
    outputs = tf.transpose(outputs, [1, 0, 2]) if return_sequences else last[:, None]
    return last, outputs, [h, c]


def _block_lstm(x, h0, c0, kernel, recurrent_kernel, bias):
    # BlockLSTM (V1), not V2: TensorFlow registers V1's gradient op for V2,
    # which reads the gates in V1's order, so V2's gradients come out wrong.
    # V1 orders the gates input, candidate, forget, output (Keras: input,
    # forget, candidate, output) and adds `forget_bias`, set to 0 here.
    def icfo(w):
        i, f, c, o = tf.split(w, 4, axis=-1)
        return tf.concat([i, c, f, o], axis=-1)

    units = recurrent_kernel.shape[0]
    no_peephole = tf.zeros([units], x.dtype)
    _, cs, _, _, _, _, h = tf.raw_ops.BlockLSTM(
        seq_len_max=tf.cast(tf.shape(x)[0], tf.int64),
        x=x,
        cs_prev=c0,
        h_prev=h0,
        w=icfo(tf.concat([kernel, recurrent_kernel], axis=0)),
        wci=no_peephole,
        wcf=no_peephole,
        wco=no_peephole,
        b=icfo(bias),
        forget_bias=0.0,
        cell_clip=-1.0,  # negative: no clipping
        use_peephole=False,
    )
    return h, h[-1], cs[-1]


def _masked_loop(x, h0, c0, keep, kernel, recurrent_kernel, bias):
    projected = tf.einsum("tbf,fg->tbg", x, kernel) + bias
    steps = tf.shape(x)[0]
    outputs = tf.TensorArray(x.dtype, size=steps)

    def body(t, h, c, out, outputs):
        z = projected[t] + tf.matmul(h, recurrent_kernel)
        i, f, g, o = tf.split(z, 4, axis=-1)
        c_new = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h_new = tf.sigmoid(o) * tf.tanh(c_new)
        valid = keep[t]
        h_new, c_new = tf.where(valid, h_new, h), tf.where(valid, c_new, c)
        out = tf.where(valid, h_new, out)
        return t + 1, h_new, c_new, out, outputs.write(t, out)

    _, h, c, _, outputs = tf.while_loop(
        lambda t, *_: t < steps, body, (0, h0, c0, tf.zeros_like(h0), outputs)
    )
    return outputs.stack(), h, c


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
        def forward(batch):
            return model(batch, training=False)

        def forward_xla(batch):
            with portable_lstm():  # traced once per shape: the XLA function keeps Keras's loop
                return forward(batch)

        self.plain = tf.function(forward, reduce_retracing=True)
        self.xla = None
        if not tf.config.list_logical_devices("GPU"):
            self.xla = tf.function(forward_xla, jit_compile=True, reduce_retracing=True)

    def __call__(self, batch):
        if self.xla is not None:
            try:
                return self.xla(batch)
            except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
                self.xla = None  # an op XLA cannot compile: the plain function serves
        return self.plain(batch)
