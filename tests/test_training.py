"""zoo.training: the step-counted policy, its schedules, its state, and that it
leaves the initial plateau of a long-series task on a tiny training set."""

import math

import keras
import numpy as np
import pytest

import zoo
import zoo.training
from zoo.training import Policy, StepPolicy


class _FakeOptimizer:
    learning_rate = 0.0


class _FakeModel:
    """What StepPolicy touches: the optimizer's rate, stop_training, weights."""

    def __init__(self):
        self.optimizer = _FakeOptimizer()
        self.stop_training = False
        self.weights = [np.zeros(1)]
        self.saved = 0

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = weights


def _policy(schedule, **kwargs):
    callback = StepPolicy(Policy(schedule=schedule, **kwargs), steps_per_epoch=10)
    callback.set_model(_FakeModel())
    return callback


def _epoch(callback, value, monitor="val_loss"):
    callback.on_epoch_begin(0)
    rate = float(callback.model.optimizer.learning_rate)
    callback.on_epoch_end(0, {monitor: value})
    return rate


def test_cosine_schedule_warms_up_then_decays_to_a_hundredth():
    callback = _policy("cosine", learning_rate=1e-3, warmup_steps=20, max_steps=120, min_steps=10)
    rates = [_epoch(callback, 1.0, "loss") for _ in range(12)]
    assert rates[0] == pytest.approx(1e-3 * 5 / 20)  # middle of the first epoch: step 5
    assert rates[1] == pytest.approx(1e-3 * 15 / 20)
    # then the cosine from 1e-3 to 1e-5 over steps 20..120, at each epoch's middle
    expected = [
        1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + math.cos(math.pi * (m - 20) / 100)) for m in (25, 115)
    ]
    assert rates[2] == pytest.approx(expected[0]) and rates[11] == pytest.approx(expected[1])
    assert all(a > b for a, b in zip(rates[2:], rates[3:], strict=False))
    assert callback.model.stop_training  # 12 epochs of 10 steps = the budget


def test_plateau_no_cut_before_the_loss_leaves_its_start():
    callback = _policy(
        "plateau",
        learning_rate=1e-3,
        warmup_steps=0,
        reduce_patience_steps=20,
        patience_steps=1000,
        min_steps=10,
        max_steps=5000,
    )
    # 30 epochs (300 steps) on the starting plateau: never cut
    rates = [_epoch(callback, 1.0 - 0.01 * (i % 2)) for i in range(30)]
    assert set(rates) == {1e-3}
    # the loss leaves its start (< 0.9 x first), then stalls: a cut every 20 steps
    _epoch(callback, 0.5)
    rates = [_epoch(callback, 0.5) for _ in range(5)]
    assert rates == pytest.approx([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4])


def test_plateau_warms_up_then_holds_the_rate_until_a_cut():
    callback = _policy(
        "plateau",
        learning_rate=1e-3,
        warmup_steps=20,
        reduce_patience_steps=20,
        patience_steps=1000,
        min_steps=10,
        max_steps=5000,
    )
    # the warm-up, at each epoch's middle step: 5 and 15 of 20, then the full rate
    rates = [_epoch(callback, 1.0 / (i + 1)) for i in range(4)]
    assert rates == pytest.approx([1e-3 * 5 / 20, 1e-3 * 15 / 20, 1e-3, 1e-3])
    rates = [_epoch(callback, 0.25) for _ in range(3)]  # stalled: a cut after 20 steps
    assert rates == pytest.approx([1e-3, 1e-3, 5e-4])


def test_plateau_stops_after_patience_in_steps_but_not_before_min_steps():
    callback = _policy("plateau", warmup_steps=0, patience_steps=30, min_steps=100, max_steps=5000)
    _epoch(callback, 1.0)
    stopped_at = None
    for epoch in range(2, 30):
        _epoch(callback, 2.0)
        if callback.model.stop_training:
            stopped_at = epoch * 10
            break
    assert stopped_at == 100  # patience ran out at step 40, but min_steps holds to 100


def test_plateau_restores_the_best_weights_and_state_round_trips():
    callback = _policy("plateau", warmup_steps=0, min_steps=10, max_steps=5000)
    callback.model.weights = [np.array([1.0])]
    _epoch(callback, 0.3)
    callback.model.weights = [np.array([2.0])]
    _epoch(callback, 0.7)
    callback.on_train_end()
    assert callback.model.weights[0][0] == 1.0
    state = callback.state()
    assert state == {
        "first": 0.3,
        "best": 0.3,
        "best_step": 10,
        "step": 20,
        "last_cut": 10,
        "scale": 1.0,
    }
    other = _policy("plateau", warmup_steps=0, min_steps=10, max_steps=5000)
    other.restore(state)
    assert other.state() == state


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(learning_rate=float("inf")), "Expected `learning_rate` to be a finite positive"),
        (dict(learning_rate=0), "Received: learning_rate=0"),
        (dict(max_steps=0), "Expected `max_steps` to be an integer >= 1"),
        (dict(reduce_factor=1.5), "Expected `reduce_factor` to be in (0, 1]"),
        (dict(schedule="linear"), "Expected `schedule` to be one of"),
    ],
)
def test_bad_policy_arguments(kwargs, message):
    with pytest.raises(zoo.InputError, match=None) as error:
        Policy(**kwargs)
    assert message in str(error.value)


def test_batch_size_and_epochs_follow_the_training_set():
    assert [zoo.training.default_batch_size(n) for n in (3, 20, 67, 500)] == [2, 2, 6, 16]
    policy = Policy(max_steps=100)
    assert policy.epochs_for(20) == 10  # batch 2: 10 steps per epoch
    assert Policy(max_steps=100, max_epochs=3).epochs_for(20) == 3


def _wave_task(n=40, steps=60, seed=0):
    """A long-series task on a tiny set: slow or fast noisy waves."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(steps)
    frequency = np.where(y == 0, 0.15, 0.4)[:, None] * rng.uniform(0.9, 1.1, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    x = np.sin(frequency * t[None] + phase) + 0.5 * rng.normal(size=(n, steps))
    return x[..., None].astype("float32"), y.astype("int32")


def test_the_policy_leaves_the_initial_plateau_of_a_long_series_task():
    x, y = _wave_task()
    model = zoo.lstm_fcn((60, 1), units=4, filters=(16, 16, 16), num_classes=2)
    policy = Policy(max_steps=300, warmup_steps=30)
    zoo.training.compile(
        model, policy, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = zoo.training.fit(model, x, y, policy=policy)
    # 40 cases in batches of 4: 10 steps an epoch; an epoch-counted patience of
    # 30 epochs would have allowed 300 steps only by luck of the loss moving
    assert len(history["loss"]) == 30
    assert history["loss"][-1] < 0.6 * history["loss"][0], history["loss"]
    x_test, y_test = _wave_task(seed=1)
    accuracy = np.mean(model.predict(x_test, verbose=0).argmax(-1) == y_test)
    assert accuracy >= 0.85


def test_a_diverging_loss_is_a_clear_error():
    x, y = _wave_task(n=8, steps=10)
    model = zoo.lstm((10, 1), units=4, num_classes=2)
    policy = Policy(max_steps=8, warmup_steps=0)
    zoo.training.compile(model, policy, loss="sparse_categorical_crossentropy")
    x[0, 0, 0] = np.nan  # a NaN input makes the loss NaN
    with pytest.raises(zoo.InputError, match="training diverged: the loss became nan in epoch 1"):
        zoo.training.fit(model, x, y, policy=policy)
    assert keras.backend.backend() in ("tensorflow", "jax", "torch")
