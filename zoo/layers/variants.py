"""The LSTM variants compared by Greff et al. (2017), as one Keras cell.

Greff, Srivastava, Koutník, Steunebrink and Schmidhuber, "LSTM: A Search Space
Odyssey", IEEE Transactions on Neural Networks and Learning Systems 28 (2017).
The paper's reference cell is the "vanilla" LSTM, with peepholes; every other
variant but NP is vanilla with exactly one change. With `x` the input, `h` and
`c` the previous hidden and cell states, `W`, `R`, `b` the input, recurrent
and bias weights of each block and `p` the peephole vectors:

    z = g(W_z x + R_z h + b_z)                      candidate (block input)
    i = sigmoid(W_i x + R_i h + p_i * c + b_i)      input gate
    f = sigmoid(W_f x + R_f h + p_f * c + b_f)      forget gate
    c' = f * c + i * z                               new cell state
    o = sigmoid(W_o x + R_o h + p_o * c' + b_o)     output gate (peeks at c')
    h' = o * a(c')                                   new hidden state

with `g = a = tanh` (the layer's `activation`) and sigmoid its
`recurrent_activation`. The variants:

- "np": no peepholes: `keras.layers.LSTMCell` itself (zoo.layers.LSTM keeps
  Keras's cell and its fused kernels for it).
- "vanilla": the equations above.
- "nig": no input gate (i = 1); forget and output peepholes stay.
- "nfg": no forget gate (f = 1); input and output peepholes stay.
- "nog": no output gate (o = 1); input and forget peepholes stay.
- "niaf": no input activation (g is the identity).
- "noaf": no output activation (a is the identity).
- "cifg": coupled input and forget gate (f = 1 - i, as in the GRU): no forget
  weights at all; input and output peepholes stay.
- "fgr": full gate recurrence: each gate also reads the three gates of the
  previous step through a `(3 * units, 3 * units)` matrix (nine `units` x
  `units` blocks). The previous gates are a third state of the cell
  (`3 * units` wide, input, forget and output gates; zeros at the start).

Weights, in Keras's layout (blocks in the order input, forget, candidate,
output, a removed gate's block left out): `kernel` (features, blocks * units),
`recurrent_kernel` (units, blocks * units), `bias` (blocks * units), the
`units`-vectors `peephole_input`, `peephole_forget`, `peephole_output` of the
gates that exist, and for "fgr" `gate_recurrent_kernel` (3 * units, 3 * units).
"""

import keras
from keras import ops

from zoo import _checks

VARIANTS = ("np", "vanilla", "nig", "nfg", "nog", "niaf", "noaf", "cifg", "fgr")


def check_variant(variant):
    """Returns `variant` if it names one of `VARIANTS`, else raises `zoo.InputError`."""
    return _checks.check_choice("variant", variant, VARIANTS)


def blocks(variant):
    """The weight blocks of `variant`'s kernels, in order: "i", "f", "c", "o"."""
    removed = {"nig": "i", "nfg": "f", "cifg": "f", "nog": "o"}.get(variant)
    return tuple(b for b in "ifco" if b != removed)


def peepholes(variant):
    """The gates of `variant` that peek at the cell state ("i", "f", "o")."""
    if variant == "np":
        return ()
    return tuple(b for b in blocks(variant) if b != "c")


def state_size(variant, units):
    """The cell's states: h and c, and for "fgr" the previous step's three gates."""
    return [units, units, 3 * units] if variant == "fgr" else [units, units]


def parameter_count(variant, units, features, use_bias=True):
    """The closed-form number of weights of one `variant` cell (one direction)."""
    per_block = units * features + units * units + (units if use_bias else 0)
    count = len(blocks(variant)) * per_block + len(peepholes(variant)) * units
    return count + (9 * units * units if variant == "fgr" else 0)


_PEEPHOLE_NAMES = {"i": "peephole_input", "f": "peephole_forget", "o": "peephole_output"}


def step(cell, variant, x, states):
    """One step of `variant` with `cell`'s weights, from the layer's own input.

    `cell` is a `keras.layers.LSTMCell` ("np") or an `LSTMVariantCell`;
    `x` is `(batch, features)` (dropout already applied), `states` the
    cell's states (an "fgr" cell given only `[h, c]` starts its gates at zero).
    Returns a dict of `(batch, units)` tensors: "input", "forget", "output"
    (gate activations; a removed gate is its constant), "candidate", "cell",
    "hidden", and for "fgr" "gates" (the third state).
    """
    h, c = states[0], states[1]
    z = ops.matmul(x, cell.kernel) + ops.matmul(h, cell.recurrent_kernel)
    if cell.use_bias:
        z = z + cell.bias
    names = blocks(variant)
    pre = dict(zip(names, ops.split(z, len(names), axis=1), strict=True))
    if variant == "fgr":
        previous = states[2] if len(states) > 2 else ops.concatenate([ops.zeros_like(h)] * 3, 1)
        recurrent = ops.split(ops.matmul(previous, cell.gate_recurrent_kernel), 3, axis=1)
        for gate, extra in zip("ifo", recurrent, strict=True):
            pre[gate] = pre[gate] + extra
    peeps = {g: getattr(cell, _PEEPHOLE_NAMES[g]) for g in peepholes(variant)}
    sigma = cell.recurrent_activation
    one = ops.ones_like(h)

    def gate(name, carry):
        if name not in pre:
            return one
        value = pre[name] + peeps[name] * carry if name in peeps else pre[name]
        return sigma(value)

    i = gate("i", c)
    f = 1.0 - i if variant == "cifg" else gate("f", c)
    candidate = pre["c"] if variant == "niaf" else cell.activation(pre["c"])
    new_c = f * c + i * candidate
    o = gate("o", new_c)
    new_h = o * (new_c if variant == "noaf" else cell.activation(new_c))
    values = {
        "input": i,
        "forget": f,
        "output": o,
        "candidate": candidate,
        "cell": new_c,
        "hidden": new_h,
    }
    if variant == "fgr":
        values["gates"] = ops.concatenate([i, f, o], axis=1)
    return values


def next_states(values):
    """The cell's states after a `step`: h and c, and for "fgr" its gates."""
    return [values["hidden"], values["cell"], *([values["gates"]] if "gates" in values else [])]


@keras.saving.register_keras_serializable(package="zoo")
class LSTMVariantCell(keras.layers.LSTMCell):
    """One step of a Greff et al. (2017) LSTM variant (see this module's docstring).

    Takes `keras.layers.LSTMCell`'s arguments and `variant`. Peepholes start
    from `kernel_initializer` (as Keras 2's `PeepholeLSTMCell` did), the gate
    recurrence from `recurrent_initializer`; `unit_forget_bias` applies where
    a forget gate exists. Dropout draws one mask per sequence for the inputs
    and one for the recurrent state, shared by every block (Gal and
    Ghahramani's variational dropout). `zoo.layers.LSTM(variant=...)` builds
    it; use that layer rather than this cell directly.
    """

    def __init__(self, units, variant="vanilla", **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, **kwargs)
        self.variant = check_variant(variant)
        self.implementation = 2
        self.dropout_mask_count = None  # one mask for every block
        self.state_size = state_size(self.variant, self.units)

    def build(self, input_shape):
        keras.layers.Layer.build(self, input_shape)
        names = blocks(self.variant)
        width = len(names) * self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], width),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(width,),
                name="bias",
                initializer=self._bias_initializer(names),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        for gate in peepholes(self.variant):
            name = _PEEPHOLE_NAMES[gate]
            setattr(
                self,
                name,
                self.add_weight(
                    shape=(self.units,), name=name, initializer=self.kernel_initializer
                ),
            )
        if self.variant == "fgr":
            self.gate_recurrent_kernel = self.add_weight(
                shape=(3 * self.units, 3 * self.units),
                name="gate_recurrent_kernel",
                initializer=self.recurrent_initializer,
                regularizer=self.recurrent_regularizer,
                constraint=self.recurrent_constraint,
            )

    def _bias_initializer(self, names):
        if not (self.unit_forget_bias and "f" in names):
            return self.bias_initializer

        def initializer(_, *args, **kwargs):
            parts = [
                (keras.initializers.get("ones") if b == "f" else self.bias_initializer)(
                    (self.units,), *args, **kwargs
                )
                for b in names
            ]
            return ops.concatenate(parts)

        return initializer

    def call(self, inputs, states, training=False):
        h = states[0]
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            h = h * self.get_recurrent_dropout_mask(h)
        values = step(self, self.variant, inputs, [h, *states[1:]])
        return values["hidden"], next_states(values)

    def get_config(self):
        return {**super().get_config(), "variant": self.variant}
