"""`SequenceModel`: the functional `keras.Model` every builder returns.

It is an ordinary functional model (same layers, config, saving, `fit`,
`evaluate`) whose `predict` takes zoo's lean loop for in-memory arrays where
the backend has one, and whose `call` on eager torch walks the graph without
`Layer.__call__`'s per-call work. Both live in `zoo._fast` (with the
`ZOO_FAST_PATHS` switch that turns them off); this file holds only the
public class and what is not about speed (device padding under a
`keras.distribution`).
"""

import keras
import numpy as np

from zoo import _fast
from zoo._fast import internals
from zoo._fast.predict import in_memory


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

    On eager torch, `call` walks the graph with `zoo._fast.walk`: the same
    numbers as `Functional.call`, for `fit`, `evaluate` and direct calls too.
    """

    def call(self, inputs, training=None, mask=None, **kwargs):
        if mask is None and not kwargs:
            outputs = _fast.walk(self, inputs, training)
            if outputs is not None:
                return outputs
        return super().call(inputs, training=training, mask=mask, **kwargs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        batch_size = batch_size or 32
        flat = keras.tree.flatten(x)
        if not isinstance(x, tuple) and flat and all(in_memory(a) for a in flat):
            # Keras's message for a wrong shape: the lean paths skip the
            # model-level check, and Keras's jitted JAX predict fails deep inside
            internals.check_input(self, x)
        if steps is None and not callbacks:
            try:
                return _fast.predict(self, x, batch_size=batch_size, verbose=verbose)
            except NotImplementedError:
                pass
            devices = data_parallel_devices()
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


def head_output(x, head, num_classes, num_outputs):
    """The builders' output layer: a float32 softmax over `num_classes`
    ("classification"), a linear layer of `num_outputs` ("regression"), or `x`
    itself (`None`: the feature extractor)."""
    if head == "classification":
        return keras.layers.Dense(
            num_classes, activation="softmax", dtype="float32", name="probabilities"
        )(x)
    if head == "regression":
        return keras.layers.Dense(num_outputs, dtype="float32", name="prediction")(x)
    return x


def data_parallel_devices():
    """How many devices the current `keras.distribution` splits a batch over (1 if none)."""
    distribution = keras.distribution.distribution()
    mesh = getattr(distribution, "device_mesh", None)
    return 1 if mesh is None else int(np.prod(mesh.shape))
