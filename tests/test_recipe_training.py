"""recipes._training: resume checks, the policy state a resume restores, ensembles."""

import json

import keras
import numpy as np
import pytest

import zoo
from recipes import _cli, _training


def test_resume_refuses_other_flags_and_lists_them(tmp_path):
    flags = {"model": "lstm_fcn", "learning_rate": 0.001, "units": [8]}
    _training.start(tmp_path, resume=False, flags=flags)
    assert json.loads((tmp_path / ".train" / "flags.json").read_text()) == flags
    _training.start(tmp_path, resume=True, flags=flags)  # the same flags: fine
    changed = {**flags, "learning_rate": 0.01, "units": [16]}
    with pytest.raises(zoo.InputError) as error:
        _training.start(tmp_path, resume=True, flags=changed)
    assert str(error.value) == (
        "--resume with other flags than the interrupted run: "
        "--learning-rate 0.001 -> 0.01; --units [8] -> [16]"
    )


def test_resume_without_a_run_and_a_fresh_start_clears_the_old_state(tmp_path):
    with pytest.raises(zoo.InputError, match="--resume: no interrupted run in"):
        _training.start(tmp_path / "none", resume=True, flags={})
    state = _training.start(tmp_path, resume=False, flags={"seed": 0})
    (state / "stale.txt").write_text("x")
    _training.start(tmp_path, resume=False, flags={"seed": 1})
    assert not (state / "stale.txt").exists()


def test_training_length_flags_may_change_on_resume():
    args = _cli.parser(
        "d",
        "classify",
        task="classification",
        default_model="lstm_fcn",
        default_units=(8,),
        dropout=0.8,
    ).parse_args(["--epochs", "3"])
    flags = _cli.resume_flags(args)
    assert "epochs" not in flags and "max_steps" not in flags and "out" not in flags
    assert flags["learning_rate"] == 1e-3 and flags["units"] == [8]


def _data(n=24, steps=6):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, steps, 2)).astype("float32")
    return x, (x[:, :, 0].mean(axis=1) > 0).astype("int32")


def _model():
    model = zoo.lstm((6, 2), units=4, num_classes=2)
    return zoo.training.compile(
        model, zoo.training.Policy(warmup_steps=0), loss="sparse_categorical_crossentropy"
    )


def test_an_interrupted_run_resumes_with_its_policy_state(tmp_path):
    x, y = _data()
    policy = zoo.training.Policy(max_steps=30, max_epochs=2, warmup_steps=0)
    state = _training.start(tmp_path, resume=False, flags={})
    model = _model()
    history, _ = _training.train(model, x, y, None, policy=policy, state=state)
    saved = json.loads((state / "policy.json").read_text())
    assert [entry["step"] for entry in saved] == [12, 24]  # batch 2: 12 steps an epoch
    assert len(history["loss"]) == 2
    # drop the finished marker: the next call continues from the backup (epoch 2)
    (state / "done.json").unlink()
    longer = zoo.training.Policy(max_steps=60, max_epochs=4, warmup_steps=0)
    history, _ = _training.train(_model(), x, y, None, policy=longer, state=state)
    assert history["epoch"] == [0, 1, 2, 3]
    saved = json.loads((state / "policy.json").read_text())
    assert [entry["step"] for entry in saved] == [12, 24, 36, 48]


def test_an_ensemble_averages_its_members(tmp_path):
    x, y = _data()
    policy = zoo.training.Policy(max_steps=12, warmup_steps=0)

    def fit(model, member_state):
        return _training.train(model, x, y, None, policy=policy, state=member_state)

    model, history, seconds, members = _training.ensemble(
        _model, fit, members=3, seed=0, state=tmp_path / ".train"
    )
    assert len(members) == 3 and seconds > 0
    outputs = [m.predict(x, verbose=0) for m in members]
    assert not np.allclose(outputs[0], outputs[1])  # different seeds
    np.testing.assert_allclose(model.predict(x, verbose=0), np.mean(outputs, axis=0), atol=1e-6)
    path = tmp_path / "ensemble.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), np.mean(outputs, axis=0), atol=1e-5)


def test_a_partial_log_line_from_an_interruption_is_dropped_on_resume(tmp_path):
    log = tmp_path / "history.csv"
    log.write_text("epoch,loss,val_loss\n0,0.9,NA\n1,0.8,NA\n2,0.7")  # killed mid-row
    _training._truncate_history(log, epochs=2)
    assert log.read_text() == "epoch,loss,val_loss\n0,0.9,NA\n1,0.8,NA\n"
    assert _training.read_history(log) == {"epoch": [0, 1], "loss": [0.9, 0.8]}
    log.write_text(log.read_text() + "2,0.7,NA\n")  # the resumed run appends whole rows
    assert _training.read_history(log)["epoch"] == [0, 1, 2]
