"""`SequenceModel`: the functional `keras.Model` every builder returns.

It is an ordinary functional model (same layers, config, saving, `fit`,
`evaluate`) whose `predict` takes a lean path for in-memory arrays where the
backend has one (`zoo.backends.predict`): at the sizes this zoo is built for,
`keras.Model.predict`'s own machinery (data adapter, epoch iterator, callback
list, per-batch conversions) costs as much as the LSTMs themselves.
"""

import keras

from zoo import backends


@keras.saving.register_keras_serializable(package="zoo")
class SequenceModel(keras.Model):
    """A functional `keras.Model` with a lean `predict` for in-memory arrays.

    Built like `keras.Model(inputs, outputs, name=...)`. `predict` gives the
    same numbers as `keras.Model.predict`; it serves NumPy arrays and backend
    tensors (or a list/dict of them) without `steps` or `callbacks` outside a
    distribution strategy, and hands everything else to Keras.
    """

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        if steps is None and not callbacks:
            try:
                return backends.predict(self, x, batch_size=batch_size or 32, verbose=verbose)
            except NotImplementedError:
                pass
        return super().predict(
            x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks
        )
