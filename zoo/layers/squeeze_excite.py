"""The squeeze-and-excite block of MLSTM-FCN (Karim et al., 2019; Hu et al., 2018)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class SqueezeExcite(keras.layers.Layer):
    """Squeeze-and-excite for sequences: rescales each channel by a learned gate.

    Squeeze: the mean of every channel over the (real) steps, `s`. Excite:
    `e = sigmoid(relu(s @ squeeze_kernel) @ excite_kernel)`, with
    `channels // reduction` (at least 1) hidden units and no biases, as in
    MLSTM-FCN (Karim et al., 2019, after Hu et al., 2018). The output is the
    input with channel `c` multiplied by `e[c]` at every step.

    Args:
        reduction: int >= 1. How many times fewer hidden units than channels.

    Call arguments:
        inputs: `(batch, steps, channels)`.
        mask: optional `(batch, steps)` bool, True for real steps: the
            squeeze averages over those only. The mask passes through.

    Example:

    >>> layer = zoo.layers.SqueezeExcite(reduction=4)
    >>> layer(np.ones((2, 10, 16), "float32")).shape
    (2, 10, 16)
    """

    def __init__(self, reduction=16, **kwargs):
        super().__init__(**kwargs)
        self.reduction = int(reduction)
        self.supports_masking = True

    def build(self, input_shape):
        channels = input_shape[-1]
        hidden = max(1, channels // self.reduction)
        self.squeeze_kernel = self.add_weight(
            shape=(channels, hidden), initializer="he_normal", name="squeeze_kernel"
        )
        self.excite_kernel = self.add_weight(
            shape=(hidden, channels), initializer="he_normal", name="excite_kernel"
        )

    def call(self, inputs, mask=None):
        if mask is None:
            squeezed = ops.mean(inputs, axis=1)
        else:
            weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
            squeezed = ops.sum(inputs * weights, axis=1) / ops.maximum(
                ops.sum(weights, axis=1), 1.0
            )
        hidden = ops.relu(ops.matmul(squeezed, self.squeeze_kernel))
        gates = ops.sigmoid(ops.matmul(hidden, self.excite_kernel))
        return inputs * ops.expand_dims(gates, 1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(reduction=self.reduction)
        return config
