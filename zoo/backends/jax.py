"""The jax backend's LSTM path: Keras's own, because it measured fastest.

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

Keras's jitted `predict` measured as fast as a lean loop around a jitted
forward function, so there is no lean predict either; and JAX traces every
model into one compiled function, where `Layer.__call__` costs nothing per
batch, so models do not walk their graph.
"""


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


def predict_function(model):
    raise NotImplementedError("jax: Keras's jitted predict measured as fast")


def supports_jit():
    return True  # nothing here runs outside XLA


def eager_layer_calls():
    return False  # JAX traces the model: `Layer.__call__` costs nothing per batch
