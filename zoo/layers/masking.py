"""Step masks as tensors, for layers that lose Keras's implicit mask (convolutions)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class StepMask(keras.layers.Layer):
    """The mask `keras.layers.Masking(mask_value)` would attach, as an output.

    A step is real (True) where any of its features differs from
    `mask_value`. Convolutions drop Keras's implicit mask, so a fully
    convolutional branch passes this tensor explicitly as `mask=` to the
    layers that need it.

    Args:
        mask_value: float. The value that marks a padded step.

    Example:

    >>> x = np.array([[[1.0], [2.0], [0.0]]], "float32")
    >>> np.asarray(zoo.layers.StepMask()(x)).tolist()
    [[True, True, False]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def call(self, inputs):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape[:-1], dtype="bool")

    def get_config(self):
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config


@keras.saving.register_keras_serializable(package="zoo")
class ZeroMaskedSteps(keras.layers.Layer):
    """Sets the masked steps of a `(batch, steps, channels)` tensor to zero.

    Before a `"same"`-padded convolution this makes a right-padded sequence
    look to the convolution exactly like the unpadded one, whose border the
    convolution pads with zeros. The mask is consumed: the output carries
    none, so a following convolution gets no mask it would have to drop.

    Call arguments:
        inputs: `(batch, steps, channels)`.
        mask: `(batch, steps)` bool, True for real steps, or None (no-op).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs
        return ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), inputs, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask=None):
        return None
