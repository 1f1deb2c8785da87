"""Fast LSTM path for the jax backend: one scan with the input projection hoisted.

Keras's portable loop computes `x_t @ kernel` inside every step of its scan.
Here one matrix product projects every step's input before the loop, so each
step only adds `h @ recurrent_kernel`; the scan is unrolled `UNROLL` steps at
a time (measured by `make bench`). Masks of any shape are handled in the scan
the way Keras's JAX loop handles them: a masked step keeps the state and
outputs the kept `h` (for a `go_backwards` layer's leading padding, the
initial state). On a GPU, Keras's own cuDNN path is tried first.
"""

import jax
import jax.numpy as jnp
from keras import ops

UNROLL = 4


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
    if jax.default_backend() == "gpu" and mask is None:
        from keras.src.backend.jax.rnn import lstm as keras_cudnn_lstm

        try:
            return keras_cudnn_lstm(
                inputs,
                initial_h,
                initial_c,
                mask,
                kernel,
                recurrent_kernel,
                bias,
                activation,
                recurrent_activation,
                return_sequences,
                go_backwards,
                unroll,
            )
        except NotImplementedError:
            pass
    kernel = ops.convert_to_tensor(kernel)
    recurrent_kernel = ops.convert_to_tensor(recurrent_kernel)
    x = jnp.swapaxes(ops.convert_to_tensor(inputs).astype(kernel.dtype), 0, 1)  # (T, B, F)
    if go_backwards:
        x = x[::-1]
    projected = x @ kernel
    if bias is not None:
        projected = projected + ops.convert_to_tensor(bias)
    h0 = ops.convert_to_tensor(initial_h).astype(kernel.dtype)
    c0 = ops.convert_to_tensor(initial_c).astype(kernel.dtype)

    def cell(h, c, z):
        i, f, g, o = jnp.split(z + h @ recurrent_kernel, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c

    steps = x.shape[0]
    if mask is None:

        def step(carry, z):
            h, c = cell(*carry, z)
            return (h, c), h if return_sequences else None

        (h, c), outputs = jax.lax.scan(step, (h0, c0), projected, unroll=min(UNROLL, steps))
        last = h
    else:
        keep = jnp.swapaxes(ops.convert_to_tensor(mask).astype(bool), 0, 1)[..., None]
        if go_backwards:
            keep = keep[::-1]

        def step(carry, inputs):
            z, valid = inputs
            h_new, c_new = cell(*carry, z)
            h, c = jnp.where(valid, h_new, carry[0]), jnp.where(valid, c_new, carry[1])
            return (h, c), h if return_sequences else None

        (h, c), outputs = jax.lax.scan(step, (h0, c0), (projected, keep), unroll=min(UNROLL, steps))
        last = h
    outputs = jnp.swapaxes(outputs, 0, 1) if return_sequences else last[:, None]
    return last, outputs, [h, c]
