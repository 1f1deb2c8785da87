"""Attention pooling over an LSTM's outputs: the "A" of ALSTM-FCN (Karim et al., 2018)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class AttentionPooling(keras.layers.Layer):
    """Attention-weighted mean of a sequence's steps (additive scores).

    Each step `h_t` gets a score `v . tanh(W h_t + b)` (Bahdanau et al.,
    2015); a softmax over the real steps turns the scores into weights that
    sum to 1, and the output is `sum_t weight_t * h_t`. ALSTM-FCN uses it in
    place of the LSTM's last state, so every step can contribute.

    Args:
        units: int or None. Width of the score layer `W`; None uses the
            input's width.

    Call arguments:
        inputs: `(batch, steps, features)`.
        mask: optional `(batch, steps)` bool, True for real steps: masked
            steps get weight 0.
        return_attention_scores: bool. Also return the weights,
            `(batch, steps)`.

    Example:

    >>> layer = zoo.layers.AttentionPooling()
    >>> pooled, weights = layer(np.ones((2, 5, 3), "float32"), return_attention_scores=True)
    >>> pooled.shape, weights.shape
    ((2, 3), (2, 5))
    """

    def __init__(self, units=None, **kwargs):
        super().__init__(**kwargs)
        self.units = None if units is None else int(units)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        units = self.units or features
        self.kernel = self.add_weight(
            shape=(features, units), initializer="glorot_uniform", name="kernel"
        )
        self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias")
        self.score_kernel = self.add_weight(
            shape=(units, 1), initializer="glorot_uniform", name="score_kernel"
        )

    def call(self, inputs, mask=None, return_attention_scores=False):
        hidden = ops.tanh(ops.matmul(inputs, self.kernel) + self.bias)
        scores = ops.squeeze(ops.matmul(hidden, self.score_kernel), -1)
        if mask is not None:
            # Keras's Softmax layer uses the same floor for masked entries
            half = keras.backend.standardize_dtype(scores.dtype) in ("float16", "bfloat16")
            floor = -65500.0 if half else -1e9
            scores = ops.where(ops.cast(mask, "bool"), scores, floor)
        weights = ops.softmax(scores, axis=-1)
        pooled = ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)
        if return_attention_scores:
            return pooled, weights
        return pooled

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units)
        return config
