"""`SequenceModel`: the functional `keras.Model` every builder returns.

It is an ordinary functional model (same layers, config, saving, `fit`,
`evaluate`) whose `predict` takes a lean path for in-memory arrays where the
backend has one (`zoo.backends.predict`): at the sizes this zoo is built for,
`keras.Model.predict`'s own machinery (data adapter, epoch iterator, callback
list, per-batch conversions) costs as much as the LSTMs themselves.
"""

import keras
import numpy as np

from zoo import backends


@keras.saving.register_keras_serializable(package="zoo")
class SequenceModel(keras.Model):
    """A functional `keras.Model` with a lean `predict` for in-memory arrays.

    Built like `keras.Model(inputs, outputs, name=...)`. `predict` gives the
    same numbers as `keras.Model.predict`; it serves NumPy arrays and backend
    tensors (or a list/dict of them) without `steps` or `callbacks` outside a
    distribution strategy, and hands everything else to Keras.

    Under a `keras.distribution.DataParallel` over several devices, which
    needs every batch to split evenly, NumPy inputs of any length are padded
    to a multiple of the device count for Keras's predict and the padding's
    outputs dropped.
    """

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        batch_size = batch_size or 32
        if steps is None and not callbacks:
            try:
                return backends.predict(self, x, batch_size=batch_size, verbose=verbose)
            except NotImplementedError:
                pass
            devices = data_parallel_devices()
            flat = keras.tree.flatten(x)
            if devices > 1 and flat and all(isinstance(a, np.ndarray) for a in flat):
                samples = len(flat[0])
                pad = -samples % devices
                x = keras.tree.map_structure(
                    lambda a: np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]), x
                )
                batch_size = -(-batch_size // devices) * devices
                outputs = super().predict(x, batch_size=batch_size, verbose=verbose)
                return keras.tree.map_structure(lambda o: o[:samples], outputs)
        return super().predict(
            x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks
        )


def data_parallel_devices():
    """How many devices the current `keras.distribution` splits a batch over (1 if none)."""
    distribution = keras.distribution.distribution()
    mesh = getattr(distribution, "device_mesh", None)
    return 1 if mesh is None else int(np.prod(mesh.shape))
