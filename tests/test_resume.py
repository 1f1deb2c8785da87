"""An interrupted-then-resumed recipe run ends where the uninterrupted run ends.

Each recipe runs three times in-process on a tiny problem: straight through,
interrupted (Ctrl-C: a `KeyboardInterrupt` right after the optimizer step of
an epoch that was never backed up, which the recipes answer with exit 130),
and `--resume`d. The resumed run must repeat that epoch from the backup and
then follow the uninterrupted run: after every epoch the same weights, the
same optimizer state (iterations, learning rate, Adam's moments), the same
losses and rates in the history, the same early-stopping epoch, and in
`model.keras` the same best weights.

Early stopping is active (validation data, the plateau schedule, patience 3
steps), and the rate changes every epoch (the warm-up), so a resume that lost
the policy's state (best value and step, steps done) stops at another epoch or
trains at other rates. classify is interrupted between its best epoch and the
stop (only the restored best value and step stop it on time), regress before
its best epoch (its best weights come from the resumed part).

Every epoch is one full batch, without dropout, so this test is about the
policy's and the optimizer's state; the module's last test covers the random
numbers (shuffled batches, dropout masks), which the recipes derive per epoch
from the seed (`recipes._training._EpochSeeds`).
"""

import csv
import json

import keras
import numpy as np
import pytest

import zoo  # noqa: F401 - registers zoo's layers for loading
from recipes import _plots, _training, classify, embed, regress
from tests.recipe_helpers import run_in_process

EPOCHS = 40
PATIENCE = 3  # steps, and epochs: one step an epoch
POLICY = [
    "--epochs", str(EPOCHS), "--min-steps", "1", "--patience-steps", str(PATIENCE),
    "--batch-size", "256", "--learning-rate", "2", "--dropout", "0", "--units", "4",
]  # fmt: skip
ATOL = 1e-4  # a full batch in another order sums in another order


def _classify_args(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 8, 2)).astype("float32")
    y = np.where(x[:, :, 0].mean(axis=1) + 0.3 * rng.normal(size=48) > 0, "up", "down")
    np.savez(tmp_path / "train.npz", x=x, y=y)
    extra = ["--model", "lstm", "--val-split", "0.25", "--no-classic-baselines"]
    return classify.main, ["--train", tmp_path / "train.npz", *extra, *POLICY]


def _regress_args(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 8, 2)).astype("float32")
    y = x[:, :, 0].mean(axis=1) + 0.3 * rng.normal(size=48)
    np.savez(tmp_path / "train.npz", x=x, y=y)
    # series-to-number: a fifth of the training cases is held out for early stopping
    return regress.main, ["--train", tmp_path / "train.npz", "--model", "lstm", *POLICY]


def _embed_args(tmp_path):
    # the autoencoder recipes (anomaly and embed) share their training code
    rng = np.random.default_rng(2)
    x = rng.normal(size=(48, 8, 2)).astype("float32")
    y = np.where(x[:, 0, 0] > 0, "a", "b")
    np.savez(tmp_path / "train.npz", x=x, y=y)
    policy = [*POLICY, "--latent-dim", "2", "--learning-rate", "0.3"]
    return embed.main, ["--train", tmp_path / "train.npz", *policy]


RECIPES = {"classify": _classify_args, "regress": _regress_args, "embed": _embed_args}


class _Watch:
    """Records the model's state after every epoch, and interrupts on request.

    Patches `recipes._training._EpochSeconds` (a callback of every recipe's
    fit, after the policy's) to snapshot weights and optimizer variables at
    each epoch's end, and to raise `KeyboardInterrupt` after the first batch
    of `interrupt_at`, before that epoch ends or is backed up.
    """

    def __init__(self, monkeypatch):
        self.snapshots, self.interrupt_at, self.epoch = {}, None, None
        watch, cls = self, _training._EpochSeconds
        begin, end = cls.on_epoch_begin, cls.on_epoch_end

        def on_epoch_begin(callback, epoch, logs=None):
            watch.epoch = epoch
            begin(callback, epoch, logs)

        def on_train_batch_end(callback, batch, logs=None):
            if watch.epoch == watch.interrupt_at:
                raise KeyboardInterrupt

        def on_epoch_end(callback, epoch, logs=None):
            end(callback, epoch, logs)
            optimizer = callback.model.optimizer
            watch.snapshots[epoch] = {
                "weights": callback.model.get_weights(),
                # by path without the optimizer's name ("adam_2/..."), which counts instances
                "optimizer": {
                    v.path.split("/", 1)[1]: keras.ops.convert_to_numpy(v)
                    for v in optimizer.variables
                },
            }

        monkeypatch.setattr(cls, "on_epoch_begin", on_epoch_begin)
        monkeypatch.setattr(cls, "on_train_batch_end", on_train_batch_end)
        monkeypatch.setattr(cls, "on_epoch_end", on_epoch_end)
        # the PNGs are not what this tests, and drawing them costs a second a run
        monkeypatch.setattr(_plots, "save_figure", lambda path, figure: None)

    def run(self, main, argv, capsys, interrupt_at=None):
        self.snapshots, self.interrupt_at = {}, interrupt_at
        return run_in_process(main, argv, capsys)

    def train(self, build, x, y, policy, state, interrupt_at=None):
        """What a recipe does: seed, build, `_training.train`; None when interrupted."""
        self.snapshots, self.interrupt_at = {}, interrupt_at
        keras.utils.set_random_seed(0)
        try:
            _training.train(build(), x, y, None, policy=policy, state=state)
        except KeyboardInterrupt:
            return None
        return self.snapshots


def _history(out):
    with open(out / "history.csv") as handle:
        return list(csv.DictReader(handle))


def _assert_same_state(got, want, epoch, atol=ATOL):
    for a, b in zip(got["weights"], want["weights"], strict=True):
        np.testing.assert_allclose(a, b, atol=atol, err_msg=f"weights after epoch {epoch}")
    assert list(got["optimizer"]) == list(want["optimizer"])
    for name, value in want["optimizer"].items():
        np.testing.assert_allclose(
            got["optimizer"][name], value, atol=atol, err_msg=f"{name} after epoch {epoch}"
        )


@pytest.mark.parametrize(
    "recipe",
    [
        # classify resumes on every backend; the other recipes share its training loop
        pytest.param(r, marks=() if r == "classify" else pytest.mark.one_backend("a resume"))
        for r in sorted(RECIPES)
    ],
)
def test_a_resumed_run_ends_where_the_uninterrupted_run_ends(recipe, tmp_path, capsys, monkeypatch):
    main, argv = RECIPES[recipe](tmp_path)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    watch = _Watch(monkeypatch)
    status, _, stderr = watch.run(main, [*argv, "--out", straight], capsys)
    assert status == 0, stderr
    want, want_states = _history(straight), watch.snapshots
    val_loss = [float(row["val_loss"]) for row in want]
    best = int(np.argmin(val_loss))
    # early stopping stopped the run, PATIENCE epochs after the best one
    assert len(want) == best + PATIENCE + 1 < EPOCHS, val_loss
    if recipe == "classify":  # interrupted while waiting for an improvement
        interrupt_at = best + 1
    else:  # interrupted before the best epoch
        assert best >= 2, val_loss
        interrupt_at = best - 1

    status, _, stderr = watch.run(main, [*argv, "--out", resumed], capsys, interrupt_at)
    assert status == 130 and "resume with --resume" in stderr, stderr
    backup = json.loads((resumed / ".train" / "backup" / "training_metadata.json").read_text())
    assert backup["epoch"] == interrupt_at  # the interrupted epoch was not backed up
    status, stdout, stderr = watch.run(main, [*argv, "--out", resumed, "--resume"], capsys)
    assert status == 0, stderr
    assert f"Epoch {interrupt_at + 1}/{EPOCHS}" in stdout and "Epoch 1/" not in stdout
    got, got_states = _history(resumed), watch.snapshots

    # the same epochs (the same early stop), losses and learning rates
    assert [row["epoch"] for row in got] == [row["epoch"] for row in want]
    for key in ("loss", "val_loss", "learning_rate"):
        np.testing.assert_allclose(
            [float(row[key]) for row in got],
            [float(row[key]) for row in want],
            rtol=1e-4,
            err_msg=key,
        )
    rates = [float(row["learning_rate"]) for row in want]
    assert len(set(rates)) == len(rates)  # the warm-up: every epoch its own rate
    # after every resumed epoch: the same weights and optimizer state
    assert sorted(got_states) == list(range(interrupt_at, len(want)))
    for epoch in got_states:
        _assert_same_state(got_states[epoch], want_states[epoch], epoch)
        optimizer = got_states[epoch]["optimizer"]
        assert [optimizer[k] for k in optimizer if k == "iteration"] == [epoch + 1]
        learning_rate = [optimizer[k] for k in optimizer if k == "learning_rate"]
        np.testing.assert_allclose(learning_rate, [rates[epoch]], rtol=1e-6)

    # model.keras: the best epoch's weights and optimizer state, in both runs
    models = [keras.saving.load_model(out / "model.keras") for out in (straight, resumed)]
    for model in models:
        assert int(model.optimizer.iterations) == best + 1
    for a, b in zip(models[1].get_weights(), models[0].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=ATOL)
    np.testing.assert_allclose(
        models[1].get_weights()[0], want_states[best]["weights"][0], atol=ATOL
    )
    epochs_run = [
        json.loads((out / "metrics.json").read_text())["epochs_run"] for out in (straight, resumed)
    ]
    assert epochs_run == [len(want)] * 2


@pytest.mark.parametrize(
    "batch_size, dropout",
    [
        pytest.param(8, 0.0, id="shuffled-batches"),
        pytest.param(24, 0.5, id="dropout"),
    ],
)
def test_a_resumed_run_draws_the_random_numbers_of_the_uninterrupted_run(
    batch_size, dropout, tmp_path, monkeypatch
):
    """With several batches an epoch, or dropout, the resumed epochs draw what
    the uninterrupted run's epochs drew.

    `fit` shuffles each epoch from the global random state (NumPy's on jax,
    torch's on torch), and Dropout draws from its layer's seed generator,
    whose state the backup does not hold. A resumed process starts from the
    seed again, so unless each epoch's draws are derived from the seed and
    the epoch (`_training._EpochSeeds`), its epochs replay the first epochs'
    batches and dropout masks and its weights leave the uninterrupted run's
    (by ~1e-2 with keras 3.15.1, before that fix: shuffled batches on jax and
    torch, dropout on every backend).
    """
    rng = np.random.default_rng(2)
    x = rng.normal(size=(24, 6, 2)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0).astype("int32")
    steps = 24 // batch_size
    policy = zoo.training.Policy(
        learning_rate=0.05, batch_size=batch_size, max_steps=4 * steps, warmup_steps=0
    )

    def build():
        model = zoo.lstm((6, 2), units=4, num_classes=2, dropout=dropout)
        return zoo.training.compile(model, policy, loss="sparse_categorical_crossentropy")

    watch = _Watch(monkeypatch)
    want = watch.train(build, x, y, policy, tmp_path / "straight")
    assert sorted(want) == [0, 1, 2, 3]
    assert watch.train(build, x, y, policy, tmp_path / "resumed", interrupt_at=2) is None
    got = watch.train(build, x, y, policy, tmp_path / "resumed")
    assert sorted(got) == [2, 3]
    for epoch in got:
        _assert_same_state(got[epoch], want[epoch], epoch, atol=1e-5)
