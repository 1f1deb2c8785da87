"""One training policy for zoo models, shared by the recipes and `zoo.sklearn`.

Real series are long and training sets small (20 to 400 cases of 100 to 1,500
steps): an epoch may be two optimizer steps, and the loss often sits on a
plateau for hundreds of steps before it falls. A policy counted in epochs gives
up there (patience 30 epochs = 60 steps: GunPoint stopped at the majority
class) and cuts the learning rate before anything was learnt. This policy
counts in optimizer steps instead, with Adam, gradients clipped to norm
`clipnorm`, a linear warm-up over `warmup_steps`, and one of two schedules:

- `"cosine"`, when nothing is held out (the default for small training sets,
  as in Fawaz et al. 2019: every case is worth more for fitting than for
  stopping): a fixed budget of `max_steps` steps with the rate decaying along
  a cosine to `learning_rate / 100`; the final weights are kept.
- `"plateau"`, when validation data is given: no learning-rate cut until the
  validation loss has left its starting level (below `leave_start` times its
  first value); after that the rate is multiplied by `reduce_factor` whenever
  `reduce_patience_steps` steps pass without improvement, down to
  `min_learning_rate`. Training runs at least `min_steps` and stops once
  `patience_steps` steps pass without improvement; the best weights are
  restored.

The defaults were chosen on the classification datasets aeon ships, several
seeds; docs/training.md has the measurements.

Example:

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(40, 20, 1)).astype("float32")
>>> y = (x[:, :, 0].mean(axis=1) > 0).astype("int32")
>>> model = zoo.lstm((20, 1), units=8, num_classes=2)
>>> policy = zoo.training.Policy(max_steps=40, warmup_steps=10)
>>> model = zoo.training.compile(model, policy, loss="sparse_categorical_crossentropy")
>>> history = zoo.training.fit(model, x, y, policy=policy)
>>> len(history["loss"])  # 40 steps of batch 4 over 40 cases: 4 epochs
4
"""

import dataclasses
import math

import keras
import numpy as np

from zoo import _checks
from zoo._errors import InputError
from zoo._fast import internals

SCHEDULES = ("auto", "cosine", "plateau")


@dataclasses.dataclass(frozen=True)
class Policy:
    """How a zoo model is trained; every count is in optimizer steps.

    Args:
        learning_rate: float. Adam's rate after the warm-up.
        clipnorm: float. Gradients are clipped to this global norm.
        batch_size: int or None. None picks `default_batch_size(samples)`.
        max_steps: int. The most optimizer steps.
        min_steps: int. Training never stops earlier than this (or `max_steps`).
        patience_steps: int. Stop after this many steps without improvement.
        reduce_patience_steps: int. Cut the rate after this many steps
            without improvement, once the loss has left its starting level.
        reduce_factor: float in (0, 1). What a cut multiplies the rate by.
        min_learning_rate: float. The rate is never cut below this.
        leave_start: float in (0, 1]. The loss has "left its starting level"
            once it is below this fraction of its first value.
        warmup_steps: int. The rate ramps up linearly over these first steps
            (applied at epoch starts, so it matters where epochs are short).
        max_epochs: int or None. A cap on epochs on top of `max_steps`.
        schedule: `"auto"`, `"cosine"` or `"plateau"`. Auto: cosine when no
            validation data is monitored, plateau when it is.
    """

    learning_rate: float = 1e-3
    clipnorm: float = 1.0
    batch_size: int | None = None
    max_steps: int = 3000
    min_steps: int = 500
    patience_steps: int = 600
    reduce_patience_steps: int = 200
    reduce_factor: float = 0.5
    min_learning_rate: float = 1e-4
    leave_start: float = 0.9
    warmup_steps: int = 100
    max_epochs: int | None = None
    schedule: str = "auto"

    def __post_init__(self):
        for name in ("learning_rate", "clipnorm", "min_learning_rate"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise InputError(
                    f"Expected `{name}` to be a finite positive number. Received: {name}={value!r}"
                )
        for name in ("max_steps", "min_steps", "patience_steps", "reduce_patience_steps"):
            _checks.check_positive_int(name, getattr(self, name))
        _checks.check_positive_int("warmup_steps", self.warmup_steps, minimum=0)
        for name in ("batch_size", "max_epochs"):
            if getattr(self, name) is not None:
                _checks.check_positive_int(name, getattr(self, name))
        for name in ("reduce_factor", "leave_start"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise InputError(f"Expected `{name}` to be in (0, 1]. Received: {name}={value!r}")
        _checks.check_choice("schedule", self.schedule, SCHEDULES)

    def batch_size_for(self, samples):
        """The batch size for `samples` training cases."""
        if self.batch_size is not None:
            return min(self.batch_size, samples)
        return default_batch_size(samples)

    def epochs_for(self, samples):
        """Epochs that hold `max_steps` optimizer steps (at most `max_epochs`)."""
        epochs = math.ceil(self.max_steps / steps_per_epoch(samples, self.batch_size_for(samples)))
        return min(epochs, self.max_epochs or epochs)


def default_batch_size(samples):
    """A tenth of the training set, between 2 and 16 (Fawaz et al. 2019 use
    min(16, n / 10)): small sets get several steps per epoch."""
    return int(min(16, max(2, samples // 10), samples))


def steps_per_epoch(samples, batch_size):
    return math.ceil(samples / batch_size)


def compile(model, policy=None, *, loss, metrics=None):  # noqa: A001 - Keras's verb
    """Compiles `model` with the policy's optimizer (Adam, clipped gradients)."""
    policy = policy or Policy()
    model.compile(
        optimizer=keras.optimizers.Adam(policy.learning_rate, clipnorm=policy.clipnorm),
        loss=loss,
        metrics=metrics,
    )
    return model


class StepPolicy(keras.callbacks.Callback):
    """The policy as one Keras callback: warm-up, learning-rate cuts, early
    stopping and the best weights, all counted in optimizer steps.

    Its state (`state()`, `restore(state)`) is plain JSON, so an interrupted
    run can resume it; `best_path` keeps the best weights on disk as well.

    Args:
        policy: a `Policy`.
        steps_per_epoch: int. Optimizer steps in one epoch.
        monitor: str. The value to improve (`"val_loss"` or `"loss"`).
        best_path: path or None. Where to save the best weights (`.weights.h5`).
    """

    def __init__(self, policy, steps_per_epoch, monitor="val_loss", best_path=None):
        super().__init__()
        self.policy = policy
        self.schedule = policy.schedule
        if self.schedule == "auto":
            self.schedule = "plateau" if monitor.startswith("val_") else "cosine"
        self.steps_per_epoch = int(steps_per_epoch)
        self.monitor = monitor
        self.best_path = best_path
        self.first = None  # the monitored value after the first epoch
        self.best = math.inf
        self.best_step = 0
        self.step = 0  # optimizer steps done
        self.last_cut = 0  # the step of the last learning-rate cut (or of the best)
        self.scale = 1.0  # product of the cuts so far
        self._best_weights = None
        self._rate = policy.learning_rate

    def state(self):
        return {
            "first": self.first,
            "best": self.best if math.isfinite(self.best) else None,
            "best_step": self.best_step,
            "step": self.step,
            "last_cut": self.last_cut,
            "scale": self.scale,
        }

    def restore(self, state):
        self.first = state["first"]
        self.best = math.inf if state["best"] is None else state["best"]
        self.best_step, self.step = state["best_step"], state["step"]
        self.last_cut, self.scale = state["last_cut"], state["scale"]

    def learning_rate(self):
        """The rate of the coming epoch (the warm-up and the cosine are
        evaluated at its middle step)."""
        policy = self.policy
        middle = self.step + self.steps_per_epoch / 2
        warm = min(1.0, middle / policy.warmup_steps) if policy.warmup_steps else 1.0
        if self.schedule == "cosine":
            span = max(policy.max_steps - policy.warmup_steps, 1)
            progress = min(max((middle - policy.warmup_steps) / span, 0.0), 1.0)
            floor = policy.learning_rate / 100
            rate = floor + (policy.learning_rate - floor) * 0.5 * (1 + math.cos(math.pi * progress))
            return rate * warm
        return max(policy.learning_rate * self.scale, policy.min_learning_rate) * warm

    def on_epoch_begin(self, epoch, logs=None):
        self._rate = float(self.learning_rate())
        self.model.optimizer.learning_rate = self._rate

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        self.step += self.steps_per_epoch
        logs["learning_rate"] = self._rate  # the optimizer's may be a MirroredVariable
        if self.schedule == "cosine":
            if self.step >= self.policy.max_steps:
                self.model.stop_training = True
            return  # a fixed budget: the final weights are kept
        value = logs.get(self.monitor)
        if value is None or not math.isfinite(value):
            return  # TerminateOnNaN stops a diverged run; a missing value changes nothing
        policy = self.policy
        if self.first is None:
            self.first = float(value)
        if value < self.best:
            self.best, self.best_step, self.last_cut = float(value), self.step, self.step
            self._best_weights = self.model.get_weights()
            if self.best_path is not None:
                self.model.save_weights(self.best_path)
        left_start = self.best < policy.leave_start * self.first
        if left_start and self.step - self.last_cut >= policy.reduce_patience_steps:
            if policy.learning_rate * self.scale > policy.min_learning_rate:
                self.scale *= policy.reduce_factor
            self.last_cut = self.step
        waited = self.step - self.best_step
        if self.step >= policy.max_steps or (
            self.step >= min(policy.min_steps, policy.max_steps) and waited >= policy.patience_steps
        ):
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
        elif self.best_path is not None and self.best_step:
            self.model.load_weights(self.best_path)


def fit(
    model,
    x,
    y,
    *,
    policy=None,
    validation_data=None,
    callbacks=(),
    verbose=0,
    initial_epoch=0,
):
    """Trains a compiled `model` under `policy` and leaves it at its best weights.

    Monitors the validation loss when `validation_data` is given, else the
    training loss. Stops with an `InputError` when the loss becomes NaN or
    infinite (lower the learning rate).

    Returns:
        The history: a dict of per-epoch lists (`loss`, `val_loss`,
        `learning_rate`, metrics).
    """
    policy = policy or Policy()
    samples = len(keras.tree.flatten(x)[0])
    batch_size = policy.batch_size_for(samples)
    step_policy = StepPolicy(
        policy,
        steps_per_epoch(samples, batch_size),
        monitor="val_loss" if validation_data is not None else "loss",
    )
    history = model.fit(
        x,
        y,
        validation_data=validation_data,
        epochs=policy.epochs_for(samples),
        batch_size=batch_size,
        callbacks=[step_policy, keras.callbacks.TerminateOnNaN(), *callbacks],
        verbose=verbose,
        initial_epoch=initial_epoch,
    )
    history = {key: [float(v) for v in values] for key, values in history.history.items()}
    check_finite_loss(history)
    return history


def check_finite_loss(history):
    """Raises `InputError` when a logged training loss is NaN or infinite."""
    losses = np.asarray(history.get("loss", []), dtype="float64")
    bad = np.flatnonzero(~np.isfinite(losses))
    if len(bad):
        raise InputError(
            f"training diverged: the loss became {losses[bad[0]]} in epoch {bad[0] + 1}; "
            "lower the learning rate or check the data for extreme values"
        )


def reseed(model, seed):
    """Sets every seed generator inside `model` (Dropout's, the LSTM cell's
    dropout masks), in the order Keras tracks them, to a state derived from
    `seed` and its position, so that what the model draws next is fixed by
    `seed` alone (the recipes reseed each epoch from the run's seed and the
    epoch's number, so a resumed run draws what the uninterrupted one drew)."""
    generators = [
        generator
        for layer in internals.all_layers(model)
        for generator in internals.seed_generators(layer)
    ]
    for k, generator in enumerate(generators):
        start = np.random.SeedSequence([int(seed), k]).generate_state(1)[0] % 2**31
        generator.state.assign(keras.ops.convert_to_tensor([start, 0], dtype=generator.state.dtype))
