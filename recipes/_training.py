"""Resumable training under `zoo.training`'s policy, for every recipe.

`train(...)` wraps `zoo.training.StepPolicy` with Keras's `BackupAndRestore`
(model, optimizer and epoch) and keeps in `--out/.train/` what a resume needs
besides: the policy's state per epoch, the best weights, the history and the
flags of the run (a resume with other flags is refused). Every epoch starts
from random state derived from the run's seed and the epoch's number (the
global seeds that `fit`'s shuffle reads, and every layer's seed generator,
which Dropout draws from), so a resumed epoch draws what the uninterrupted
run's epoch drew. `ensemble(...)` trains several seeds and averages them into
one model.
"""

import contextlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np

import zoo
import zoo.training
from recipes import _interrupt, _io, _lock
from zoo import InputError

STATE_DIR = ".train"  # inside --out: backup, best weights, policy state and history


def start(out_dir, *, resume, flags):
    """Takes `out_dir` for this process (see `recipes._lock`; another run
    there is refused), stages its artifacts (see `recipes._io.stage`: the
    previous run's files stay whole until this run's replace them as a set)
    and prepares the training state folder of a run: a fresh one, or the
    interrupted one when `resume` (then `flags` must equal the saved ones)."""
    _lock.take(out_dir)
    state = Path(out_dir) / STATE_DIR
    saved_flags = state / "flags.json"
    if resume:
        if not state.is_dir():
            raise InputError(f"--resume: no interrupted run in {out_dir}")
        if saved_flags.exists():
            before = json.loads(saved_flags.read_text())
            changed = [
                f"--{key.replace('_', '-')} {before.get(key)!r} -> {value!r}"
                for key, value in flags.items()
                if before.get(key) != value
            ]
            if changed:
                raise InputError(
                    f"--resume with other flags than the interrupted run: {'; '.join(changed)}"
                )
        _io.stage(out_dir)
        return state
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    _io.write_json(saved_flags, flags)
    _io.stage(out_dir)
    return state


def train(model, x, y, validation, *, policy, state, devices=1, seed=None):
    """Fits compiled `model` under `policy`, resumable from `state`, and leaves it
    holding its best weights.

    Args:
        validation: `(x, y)` monitored for early stopping, or None to monitor
            the training loss.
        state: the folder from `start` (or a member's subfolder).
        devices: the device count of `--distribute` (jax needs even batches).
        seed: the run's seed, from which each epoch's random state is
            derived; None draws it from NumPy's global state, which a caller
            that ran `keras.utils.set_random_seed` has made reproducible.

    Returns:
        `(history, train_seconds)`: history as a dict of per-epoch lists over
        the whole run (across resumes), and the seconds spent in epochs.
    """
    x, y, validation = _split_evenly(devices, x, y, validation)
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    state = Path(state)
    state.mkdir(parents=True, exist_ok=True)
    done = state / "done.json"
    log_path = state / "history.csv"
    best_path = state / "best.weights.h5"
    if not done.exists():
        samples = len(keras.tree.flatten(x)[0])
        step_policy = zoo.training.StepPolicy(
            policy,
            zoo.training.steps_per_epoch(samples, policy.batch_size_for(samples)),
            monitor="val_loss" if validation is not None else "loss",
            best_path=best_path,
        )
        backed_up = _backed_up_epochs(state / "backup")
        _truncate_history(log_path, backed_up)
        saved_states = _policy_states(state / "policy.json", backed_up)
        if saved_states:
            step_policy.restore(saved_states[-1])
        # Order matters: the callbacks that add to the logs come before the
        # CSVLogger, and the backup comes last, so a backed-up epoch is logged.
        callbacks = [
            _interrupt.StopOnSignal(),
            _EpochSeeds(seed),
            step_policy,
            keras.callbacks.TerminateOnNaN(),
            _EpochSeconds(),
            _SavePolicyState(step_policy, state / "policy.json", saved_states),
            keras.callbacks.CSVLogger(log_path, append=True),
            keras.callbacks.BackupAndRestore(
                state / "backup", double_checkpoint=True, delete_checkpoint=False
            ),
        ]
        model.fit(
            x,
            y,
            validation_data=validation,
            epochs=policy.epochs_for(samples),
            batch_size=policy.batch_size_for(samples),
            callbacks=callbacks,
            verbose=1 if sys.stdout.isatty() else 2,
        )
        history = read_history(log_path)
        zoo.training.check_finite_loss(history)
        _io.write_json(done, {"epochs_run": len(history.get("epoch", []))})
    if best_path.exists():
        model.load_weights(best_path)
    history = read_history(log_path)
    return history, float(np.sum(history.get("epoch_seconds", [0.0])))


def ensemble(build, fit, *, members, seed, state):
    """Trains `members` models (seeds `seed`, `seed + 1`, ...) and returns the
    model that averages their outputs, the first member's history, the total
    seconds and the single members.

    `build()` returns a compiled model; `fit(model, member_state)` trains it
    and returns `(history, seconds)`. A finished member is kept in its state
    folder, so a resumed ensemble trains only the members left.
    """
    models, histories, seconds = [], [], 0.0
    for k in range(members):
        keras.utils.set_random_seed(seed + k)
        member_state = Path(state) / f"member-{k}" if members > 1 else Path(state)
        model = build()
        history, spent = fit(model, member_state)
        models.append(model)
        histories.append(history)
        seconds += spent
    if members == 1:
        return models[0], histories[0], seconds, models
    return average(models), histories[0], seconds, models


def display_name(model, members):
    """How reports name the `--model` trained as an ensemble of `members`."""
    return model if members == 1 else f"{model} (ensemble of {members})"


def average(models):
    """One model whose outputs are the mean of `models`' outputs (same inputs)."""
    first = models[0]
    inputs = keras.tree.map_structure(
        lambda t: keras.Input(shape=t.shape[1:], name=t.name.split(":")[0], dtype=t.dtype),
        first.input,
    )
    outputs = []
    for k, model in enumerate(models):
        model.name = f"member_{k}"
        outputs.append(model(inputs))
    if isinstance(outputs[0], dict):
        averaged = {
            key: keras.layers.Average(name=key)([out[key] for out in outputs]) for key in outputs[0]
        }
    else:
        averaged = keras.layers.Average(name="ensemble_average")(outputs)
    return zoo.models.SequenceModel(inputs, averaged, name=f"ensemble_of_{len(models)}")


def _split_evenly(devices, x, y, validation):
    """On jax with several devices every batch must split evenly: with a batch
    size that does (the recipe checks it), trimming the training and
    validation sets to a multiple of the device count makes every batch do."""
    if devices == 1 or keras.backend.backend() != "jax":
        return x, y, validation

    def trim(arrays, name):
        samples = len(keras.tree.flatten(arrays)[0])
        keep = samples - samples % devices
        if keep < samples:
            print(
                f"note: --distribute uses {keep} of {samples} {name} sequences ({devices} devices)"
            )
        return keras.tree.map_structure(lambda a: a[:keep], arrays)

    x, y = trim((x, y), "training")
    if validation is not None:
        validation = trim(tuple(validation), "validation")
    return x, y, validation


class _EpochSeeds(keras.callbacks.Callback):
    """Seeds each epoch from `(seed, epoch)`: the global seeds (`fit` shuffles
    each epoch from NumPy's on jax, torch's on torch) and the state of every
    seed generator in the model (Dropout's, the LSTM cell's dropout masks).

    A resumed run restarts in a new process whose random state is the
    start's, and the backup holds no seed generator: without this, its
    epochs would replay the first epochs' batches and dropout masks."""

    def __init__(self, seed):
        super().__init__()
        self.seed = seed

    def on_epoch_begin(self, epoch, logs=None):
        words = np.random.SeedSequence([self.seed, epoch]).generate_state(2)
        keras.utils.set_random_seed(int(words[0]) % 2**31)
        zoo.training.reseed(self.model, int(words[1]))


class _EpochSeconds(keras.callbacks.Callback):
    """Adds `epoch_seconds` to the logs, so the training time survives a resume."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


class _SavePolicyState(keras.callbacks.Callback):
    """Writes the policy's state after every epoch, one entry per epoch, so a
    resume takes the entry of the last backed-up epoch."""

    def __init__(self, step_policy, path, states):
        super().__init__()
        self.step_policy, self.path, self.states = step_policy, path, list(states)

    def on_epoch_end(self, epoch, logs=None):
        self.states.append(self.step_policy.state())
        _io.write_json(self.path, self.states)


def _backed_up_epochs(backup_dir):
    metadata = Path(backup_dir) / "training_metadata.json"
    return json.loads(metadata.read_text())["epoch"] if metadata.exists() else 0


def _policy_states(path, epochs):
    """The saved policy states of the first `epochs` epochs."""
    return json.loads(path.read_text())[:epochs] if path.exists() else []


def _truncate_history(log_path, epochs):
    """Keeps the first `epochs` whole rows of the log, rewritten with its header.

    An interruption between logging an epoch and backing it up would otherwise
    log that epoch twice, since the resumed run repeats it; and one in the
    middle of writing a row would leave a partial line that the resumed run's
    rows would be appended to. Every column is kept: `CSVLogger` appends its
    rows in its own column order."""
    header, rows = _log_rows(log_path)
    if header:
        _io.write_csv(log_path, header, rows[:epochs])


def _log_rows(path):
    """A `CSVLogger` file's header and its whole rows (a partial row, from an
    interruption, is dropped)."""
    import csv

    if not Path(path).exists():
        return [], []
    with open(path, newline="") as handle:
        lines = list(csv.reader(handle))
    if not lines:
        return [], []
    header = lines[0]
    return header, [row for row in lines[1:] if len(row) == len(header) and all(row)]


def read_history(path):
    """A `CSVLogger` file as a dict of column lists (empty if absent), without
    the columns that hold no value."""
    header, rows = _log_rows(path)
    columns = {}
    for row in rows:
        for key, value in zip(header, row, strict=True):
            number = float(value) if value not in ("", "NA") else np.nan
            columns.setdefault(key, []).append(int(number) if key == "epoch" else number)
    # CSVLogger adds a "val_" column for every key when there is no validation data
    return {key: values for key, values in columns.items() if not np.isnan(values).all()}


def write_history(path, history):
    keys = list(history)
    _io.write_csv(path, keys, zip(*(history[k] for k in keys), strict=True))


def finish(out_dir):
    """Drops the training state once every artifact is written."""
    shutil.rmtree(Path(out_dir) / STATE_DIR, ignore_errors=True)


@contextlib.contextmanager
def devices_scope(distribute, batch_size):
    """The context a recipe builds, trains and predicts in, and its device count.

    Without `distribute`, one device. With it, data parallelism through the
    backend's own engine: on jax `keras.distribution.DataParallel` over
    `keras.distribution.list_devices()` (after `keras.distribution.initialize()`
    when `KERAS_DISTRIBUTION_NUM_PROCESSES` asks for several hosts), on
    tensorflow `tf.distribute.MirroredStrategy` over the local GPUs (or, with
    none, the logical CPU devices). The saved model is an ordinary one.
    """
    if not distribute:
        yield 1
        return
    backend = keras.backend.backend()
    if backend == "jax":
        if int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1:
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        if batch_size is not None and batch_size % len(devices):
            raise InputError(
                f"--batch-size {batch_size} must split evenly over the {len(devices)} "
                "devices of --distribute"
            )
        with keras.distribution.DataParallel(devices=devices).scope():
            yield len(devices)
        return
    if backend == "tensorflow":
        import tensorflow as tf

        found = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy([device.name for device in found])
        with strategy.scope():
            yield strategy.num_replicas_in_sync
        return
    raise InputError(
        f"--distribute runs on the jax and tensorflow backends; Keras's {backend} backend "
        "has no data-parallel fit"
    )
