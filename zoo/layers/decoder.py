"""The pieces of the LSTM encoder-decoder (Srivastava et al., 2015)."""

import keras
from keras import ops

from zoo.layers.lstm import LSTM


@keras.saving.register_keras_serializable(package="zoo")
class Reverse(keras.layers.Layer):
    """Reverses sequences along the time axis: (batch, steps, ...)."""

    def call(self, inputs):
        return ops.flip(inputs, axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="zoo")
class SequenceDecoder(keras.layers.Layer):
    """An LSTM decoder that unrolls a latent vector into `steps` steps of `features`.

    The latent vector sets the initial state (h, c) of every decoder LSTM
    (through one Dense layer each), the way the encoder's final state is copied
    into the decoder in Srivastava et al. (2015).

    - Unconditioned (`conditional=False`): the decoder gets no input (zeros) and
      produces every step from its state alone.
    - Conditioned (`conditional=True`): step t reads step t-1 of the sequence it
      produces (zeros before the first). In training, with `teacher` (the true
      sequence, in the order the decoder produces it) given, step t reads the
      true step t-1 ("teacher forcing"); at inference (`training=False`, or no
      `teacher`) it reads its own previous output, and `teacher` is never read.

    `variant` is the cell of every decoder LSTM (see `zoo.layers.LSTM`); an
    "fgr" cell starts its previous-gates state at zero.

    Call arguments:
        latent: (batch, latent_dim).
        teacher: optional (batch, steps, features), read only when training.
    """

    def __init__(self, units, steps, features, conditional=False, variant="np", **kwargs):
        super().__init__(**kwargs)
        self.units = tuple(int(u) for u in units)
        self.steps = int(steps)
        self.features = int(features)
        self.conditional = bool(conditional)
        self.variant = variant
        self.state_h = [
            keras.layers.Dense(u, activation="tanh", name=f"state_h_{i}")
            for i, u in enumerate(self.units)
        ]
        self.state_c = [
            keras.layers.Dense(u, name=f"state_c_{i}") for i, u in enumerate(self.units)
        ]
        self.lstms = [
            LSTM(u, return_sequences=True, variant=variant, name=f"lstm_{i}")
            for i, u in enumerate(self.units)
        ]
        self.output_dense = keras.layers.Dense(self.features, name="output")

    @property
    def input_features(self):
        return self.features if self.conditional else 1

    def build(self, latent_shape, teacher_shape=None):
        for h, c in zip(self.state_h, self.state_c, strict=True):
            h.build(latent_shape)
            c.build(latent_shape)
        width = self.input_features
        for lstm in self.lstms:
            lstm.build((latent_shape[0], self.steps, width))
            width = lstm.units
        self.output_dense.build((latent_shape[0], self.steps, width))

    def _initial_states(self, latent):
        return [[h(latent), c(latent)] for h, c in zip(self.state_h, self.state_c, strict=True)]

    def call(self, latent, teacher=None, training=None):
        states = self._initial_states(latent)
        batch = ops.shape(latent)[0]
        if self.conditional and (not training or teacher is None):
            return self._autoregressive(states, batch)
        if self.conditional:  # teacher forcing: step t reads true step t-1
            start = ops.zeros_like(teacher[:, :1])
            inputs = ops.concatenate([start, teacher[:, :-1]], axis=1)
        else:
            inputs = ops.zeros((batch, self.steps, 1), dtype=latent.dtype)
        x = inputs
        for lstm, state in zip(self.lstms, states, strict=True):
            x = lstm(x, initial_state=state, training=training)
        return self.output_dense(x)

    def _autoregressive(self, states, batch):
        previous = ops.zeros((batch, self.features), dtype=states[0][0].dtype)
        outputs = []
        for _ in range(self.steps):
            x = previous
            for i, lstm in enumerate(self.lstms):
                x, states[i] = lstm.cell(x, states[i], training=False)
            previous = self.output_dense(x)
            outputs.append(previous)
        return ops.stack(outputs, axis=1)

    def compute_output_shape(self, latent_shape, teacher_shape=None):
        return (latent_shape[0], self.steps, self.features)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=list(self.units),
            steps=self.steps,
            features=self.features,
            conditional=self.conditional,
            variant=self.variant,
        )
        return config
