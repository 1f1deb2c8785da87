"""`zoo.layers.LSTM`: a drop-in for `keras.layers.LSTM` with per-backend fast paths."""

import inspect

import keras
from keras import tree

from zoo import _fast, backends
from zoo._errors import InputError
from zoo.layers.variants import LSTMVariantCell, check_variant

# The keyword arguments `keras.layers.LSTM` hands to its cell
_CELL_ARGUMENTS = frozenset(inspect.signature(keras.layers.LSTMCell.__init__).parameters) - {
    "self",
    "units",
    "kwargs",
}


@keras.saving.register_keras_serializable(package="zoo")
class LSTM(keras.layers.LSTM):
    """Long Short-Term Memory layer (Hochreiter and Schmidhuber, 1997).

    Takes the same arguments, holds the same weights (`kernel`,
    `recurrent_kernel`, `bias`, gates ordered input, forget, candidate, output)
    and computes the same numbers as `keras.layers.LSTM`, so weights move
    freely between the two. Where the backend has a fused LSTM kernel that can
    serve the call, `zoo.backends.lstm` runs it; where it cannot (recurrent
    dropout, custom activations, ...) it raises `NotImplementedError` and the
    layer falls back to Keras's own path, exactly as Keras does for cuDNN.
    With `ZOO_FAST_PATHS=0` (see `zoo._fast`) it is `keras.layers.LSTM`.

    `variant` picks one of the cells compared by Greff et al. (2017), "LSTM:
    A Search Space Odyssey" (`zoo.layers.variants` has the equations and
    weights): "np" (no peepholes: the standard cell above, the default),
    "vanilla" (peepholes from the cell state into the input, forget and
    output gates), and vanilla with one change: "nig", "nfg", "nog" (no
    input, forget, output gate: that gate is 1), "niaf", "noaf" (no input,
    output activation: identity instead of tanh), "cifg" (coupled input and
    forget gate: f = 1 - i, no forget weights) and "fgr" (full gate
    recurrence: each gate reads the previous step's gates, a third state of
    `3 * units` that `return_state` returns too and an `initial_state` of
    `[h, c]` starts at zero). Every variant but "np" runs Keras's loop over
    time steps (`LSTMVariantCell`), never a fused kernel; masking, dropout,
    recurrent dropout, `return_sequences`, `return_state` and
    `keras.layers.Bidirectional` work for all of them.

    Example:

    >>> layer = zoo.layers.LSTM(32, return_sequences=True)
    >>> layer(np.zeros((4, 10, 8), "float32")).shape
    (4, 10, 32)
    """

    def __init__(self, units, variant="np", **kwargs):
        if check_variant(variant) == "np":
            super().__init__(units, **kwargs)
        else:
            self._init_variant(units, variant, kwargs)
        self.variant = variant
        # Decided here, not at the first call: a reloaded model is compiled
        # before any call, and XLA must already know to stay away.
        if _fast.enabled() and self._may_fuse() and not backends.supports_jit():
            self.supports_jit = False  # the fused kernel does not compile under XLA

    def _init_variant(self, units, variant, kwargs):
        """`keras.layers.LSTM.__init__` with an `LSTMVariantCell` instead of an `LSTMCell`."""
        use_cudnn = kwargs.pop("use_cudnn", "auto")
        if use_cudnn is True:
            raise InputError(
                "use_cudnn=True needs the standard cell: a fused kernel computes no "
                f"variant. Received: use_cudnn=True, variant={variant!r}"
            )
        cell_arguments = {k: kwargs.pop(k) for k in list(kwargs) if k in _CELL_ARGUMENTS}
        cell = LSTMVariantCell(
            units,
            variant=variant,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            **cell_arguments,
        )
        kwargs.pop("implementation", None)
        keras.layers.RNN.__init__(self, cell, **kwargs)
        self.input_spec = keras.layers.InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.variant == "fgr" and isinstance(initial_state, (list, tuple)):
            initial_state = _with_gate_state(initial_state)
        # On eager torch the common call (zero initial state, no mask, no
        # dropout to draw) goes straight to the fused kernel: `RNN.call`'s
        # state set-up, casts and dropout-mask bookkeeping cost a seventh of
        # the kernel's time at 64 units. Where the kernel declines, `RNN.call`
        # asks it again from `inner_loop` and then runs Keras's loop.
        if (
            _fast.enabled()
            and backends.eager_layer_calls()
            and initial_state is None
            and mask is None
            and not self.stateful
            and not (training and self.dropout)
            and self.compute_dtype == self.variable_dtype
        ):
            zeros = keras.ops.zeros((keras.ops.shape(sequences)[0], self.units), self.compute_dtype)
            fused = self._fused(sequences, [zeros, zeros], None, training)
            if fused is not None:
                last, outputs, states = fused
                output = outputs if self.return_sequences else last
                return (output, *states) if self.return_state else output
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if self.variant != "np":  # Keras's own loop: no fused kernel computes a variant
            if tree.is_nested(mask):
                mask = mask[0]
            return keras.layers.RNN.inner_loop(self, sequences, initial_state, mask, training)
        fused = self._fused(sequences, initial_state, mask, training)
        if fused is not None:
            return fused
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def _fused(self, sequences, initial_state, mask, training):
        """The backend's fused kernel's `(last, outputs, states)`, or None where it cannot serve."""
        if not (_fast.enabled() and self._may_fuse()):
            return None
        if self.supports_jit and not backends.supports_jit():
            return None  # built with the fast paths off: XLA may compile this layer
        step_mask = mask[0] if tree.is_nested(mask) else mask
        try:
            return backends.lstm(
                self._dropped_inputs(sequences, training),
                initial_state[0],
                initial_state[1],
                step_mask,
                kernel=self.cell.kernel,
                recurrent_kernel=self.cell.recurrent_kernel,
                bias=self.cell.bias,
                activation=self.cell.activation,
                recurrent_activation=self.cell.recurrent_activation,
                return_sequences=self.return_sequences,
                go_backwards=self.go_backwards,
                unroll=self.unroll,
                zero_output_for_mask=self.zero_output_for_mask,
            )
        except NotImplementedError:
            return None

    def _may_fuse(self):
        return (
            self.variant == "np" and self.use_cudnn in ("auto", True) and not self.recurrent_dropout
        )

    def get_config(self):
        return {**super().get_config(), "variant": self.variant}

    def _dropped_inputs(self, sequences, training):
        # The same input dropout Keras applies before its fused path: one mask
        # per sequence, shared by every time step.
        if not (training and self.dropout):
            return sequences
        dp_mask = self.cell.get_dropout_mask(sequences[:, 0, :])
        dp_mask = keras.ops.broadcast_to(
            keras.ops.expand_dims(dp_mask, axis=1), keras.ops.shape(sequences)
        )
        return sequences * dp_mask


def _with_gate_state(initial_state):
    """An "fgr" layer's initial state; `[h, c]` (a caller that knows the
    standard cell) gets the previous gates as zeros."""
    if len(initial_state) != 2:
        return initial_state
    zeros = keras.ops.zeros_like(initial_state[0])
    return [*initial_state, keras.ops.concatenate([zeros] * 3, axis=1)]
