"""zoo's speed shortcuts, behind one fence.

Everything zoo does to be faster than plain Keras, and everything that reads
Keras's private internals to do it, is reached through here or through
`zoo.backends` (the per-backend kernels):

- the fused LSTM kernels of `zoo.layers.LSTM` (`zoo.backends.lstm`),
- the lean graph walk of `zoo.models.SequenceModel.call` on eager torch
  (`walk`, in `zoo/_fast/walk.py`),
- the lean `predict` loop of `zoo.models.SequenceModel` (`predict`, in
  `zoo/_fast/predict.py`).

Each one gives the numbers plain Keras gives (tests/test_fast_paths.py).

The switch: `ZOO_FAST_PATHS=0` in the environment (also "false", "off" or
"no"), read once when zoo is imported, turns every shortcut off: the layer
then behaves exactly as `keras.layers.LSTM` and `SequenceModel` as
`keras.Model`. Use it to tell a zoo bug from a Keras one, or when a Keras
release newer than the one below breaks a shortcut. Tests flip it with
`with zoo._fast.disabled(): ...`.

Tested against keras 3.15.1 with tensorflow-cpu 2.21.0, jax 0.10.2 and torch
2.13.0 (constraints.txt). The private Keras attributes the walk reads
(`Functional._run_through_graph`, `_nodes_by_depth`, `_standardize_inputs`,
`KerasTensor._keras_mask`, `Layer._remat_mode`; see `walk.py`) and the one
the jax predict reads (`Layer._flatten_layers`) were read from keras 3.15.1;
`make test-keras-next` runs the suite against Keras's nightly build to see
them change before a release ships.
"""

import contextlib
import os

from zoo._fast import predict as _predict
from zoo._fast import walk as _walk

KERAS_TESTED = "3.15.1"

_OFF = {"0", "false", "off", "no"}
_enabled = os.environ.get("ZOO_FAST_PATHS", "1").strip().lower() not in _OFF


def enabled():
    """Whether zoo's shortcuts may serve (`ZOO_FAST_PATHS`, unless inside `disabled()`)."""
    return _enabled


@contextlib.contextmanager
def disabled():
    """Within this block every shortcut is off, as with `ZOO_FAST_PATHS=0` (for tests).

    Not thread-local: meant for a test's body, not for serving threads.
    """
    global _enabled
    previous = _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = previous


def walk(model, inputs, training):
    """`model.call(inputs, training)` through the lean graph walk, or None where it cannot serve."""
    if not _enabled:
        return None
    return _walk.walk_graph(model, inputs, training)


def predict(model, x, *, batch_size, verbose):
    """`model.predict(x)` through the lean loop; raises `NotImplementedError` where it cannot."""
    if not _enabled:
        raise NotImplementedError("zoo's fast paths are off (ZOO_FAST_PATHS=0)")
    return _predict.lean_predict(model, x, batch_size=batch_size, verbose=verbose)
