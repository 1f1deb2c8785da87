"""The lean `predict` loop of `SequenceModel` for in-memory arrays.

At the sizes this zoo is built for, `keras.Model.predict`'s own machinery
(data adapter, epoch iterator, callback list, per-batch conversions) costs as
much as the LSTMs themselves. This loop slices the arrays into batches and
runs the backend's compiled or gradient-free forward function on each
(`zoo.backends.predict_function`), with Keras's progress bar. Public Keras
API only.
"""

import math

import keras
import numpy as np

from zoo import backends


def lean_predict(model, x, *, batch_size, verbose):
    """`model.predict(x)` for in-memory arrays, without Keras's predict machinery.

    Slices `x` (an array or backend tensor, or a list or dict of them) into
    batches, runs `zoo.backends.predict_function(model)` on each, shows
    Keras's progress bar when `verbose` asks for one, and concatenates the
    outputs to NumPy, as `keras.Model.predict` does. Raises
    `NotImplementedError` when the backend has no such function or the input
    or set-up is one that Keras's own `predict` should handle (generators,
    datasets, distribution).
    """
    if keras.distribution.distribution() is not None:
        raise NotImplementedError("lean predict: not under a keras.distribution")
    flat = keras.tree.flatten(x)
    # A tuple is Keras's (x, y, sample_weight); datasets, generators and frames
    # are leaves that are not arrays: all of them are for Keras's own predict.
    if isinstance(x, tuple) or not flat or not all(in_memory(a) and len(a.shape) for a in flat):
        raise NotImplementedError("lean predict: arrays and tensors only")
    samples = {int(a.shape[0]) for a in flat}
    if len(samples) != 1 or samples == {0}:
        raise NotImplementedError("lean predict: Keras reports mismatched or empty inputs")
    step = backends.predict_function(model)
    steps = math.ceil(samples.pop() / batch_size)
    bar = None
    if verbose != 0:
        bar = keras.utils.Progbar(steps, verbose=1 if verbose == "auto" else verbose)
    outputs = []
    for i in range(steps):
        part = [a[i * batch_size : (i + 1) * batch_size] for a in flat]
        outputs.append(step(keras.tree.pack_sequence_as(x, part)))
        if bar is not None:
            bar.update(i + 1)
    outputs = keras.tree.map_structure(keras.ops.convert_to_numpy, outputs)
    return keras.tree.map_structure_up_to(outputs[0], lambda *p: np.concatenate(p), *outputs)


def in_memory(value):
    """Whether `value` is a NumPy array or a backend tensor (not a dataset or generator)."""
    return isinstance(value, np.ndarray) or keras.ops.is_tensor(value)
