"""Ctrl-C (SIGINT) and SIGTERM honoured, on recipes/' bottom floor.

Python's own SIGINT handler raises `KeyboardInterrupt` wherever the main
thread is, and Keras swallows it in one place a training run passes every
batch: `keras.src.utils.python_utils.pythonify_logs` converts the batch's
logs inside `try: ... except: pass` (Keras 3.15). On jax the step is
dispatched asynchronously, so the main thread spends most of a step inside
that `try`, waiting in `convert_to_numpy` for the step's loss; a signal that
arrives then is dropped and the run trains on to the end (4 of 5 real
SIGINTs on a 64-unit model, with a probe on that `except` confirming each).
Any library's bare `except` around a blocking call does the same.

So `installed()` puts handlers for SIGINT and SIGTERM in place that first
record the signal, then raise (`KeyboardInterrupt`; `Terminated`, a subclass,
for SIGTERM), and `check()` raises again for a recorded signal: every fit
carries `StopOnSignal`, which checks at each batch and epoch boundary, so a
swallowed interrupt stops the run at the next batch at the latest.
"""

import contextlib
import signal

import keras

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received = []  # the signals received while `installed()`


class Terminated(KeyboardInterrupt):
    """SIGTERM: stops a run like Ctrl-C does, with exit status 143."""


def exit_status(interrupt):
    """128 + the signal's number, as a shell reports a process it stopped."""
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


@contextlib.contextmanager
def installed():
    """Our handlers for SIGINT and SIGTERM while the block runs (the main
    thread only; elsewhere, a no-op), the previous ones after."""
    try:
        previous = {number: signal.signal(number, _handler) for number in SIGNALS}
    except ValueError:  # not the main thread: signals are the main thread's
        yield
        return
    _received.clear()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _received.clear()


def _handler(number, frame):
    _received.append(number)
    _raise(number)


def _raise(number):
    raise Terminated() if number == signal.SIGTERM else KeyboardInterrupt()


def check():
    """Raises again for a signal received while `installed()`, in case the
    first raise was swallowed."""
    if _received:
        _raise(_received[0])


class StopOnSignal(keras.callbacks.Callback):
    """Calls `check()` at every batch and epoch boundary of a fit."""

    def on_train_batch_begin(self, batch, logs=None):
        check()

    def on_train_batch_end(self, batch, logs=None):
        check()

    def on_test_batch_end(self, batch, logs=None):
        check()

    def on_epoch_begin(self, epoch, logs=None):
        check()

    def on_epoch_end(self, epoch, logs=None):
        check()
