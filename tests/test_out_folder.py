"""One run per output folder, and a folder's files replaced as a set: a busy
`--out` is refused at once naming the process that holds it, a lock whose
process died (SIGKILL) is taken over, a failed save leaves the previous run
whole, and `recipes.predict` never writes into a run's folder."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from recipes import _io, _lock, _plots, classify, predict
from tests.recipe_helpers import ROOT, run_in_process

pytestmark = pytest.mark.once  # folders and locks, whatever the backend

TINY = ["--max-steps", "4", "--units", "4", "--no-classic-baselines", "--model", "lstm"]


@pytest.fixture(scope="module")
def train_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8, 2)).astype("float32")
    path = tmp_path_factory.mktemp("data") / "train.npz"
    np.savez(path, x=x, y=np.where(x[:, :, 0].mean(axis=1) > 0, "up", "down"))
    return path


def _holder(folder):
    """Another process holding `folder` (it prints "held" once it does)."""
    code = textwrap.dedent(f"""
        import sys, time
        from recipes import _lock
        _lock.take({str(folder)!r})
        print("held", flush=True)
        time.sleep(120)
    """)
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_busy_folder_is_refused_naming_the_holder(train_file, tmp_path, capsys):
    out = tmp_path / "out"
    holder = _holder(out)
    try:
        argv = ["--train", train_file, *TINY, "--out", out]
        status, _, stderr = run_in_process(classify.main, argv, capsys)
        assert status == 2 and len(stderr.strip().splitlines()) == 1, stderr
        assert f"--out {out}: in use by another run (pid {holder.pid} on " in stderr
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing else touched
        status, _, stderr = run_in_process(classify.main, [*argv, "--resume"], capsys)
        assert status == 2 and f"pid {holder.pid}" in stderr
    finally:
        holder.kill()
        holder.wait()
    # SIGKILL left the lock file behind; the lock itself died with its process
    assert (out / _lock.NAME).exists()
    status, _, stderr = run_in_process(classify.main, argv, capsys)
    assert status == 0, stderr
    assert not (out / _lock.NAME).exists() and (out / "metrics.json").is_file()


def test_predict_takes_its_out_folder_too(train_file, tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        run_in_process(classify.main, ["--train", train_file, *TINY, "--out", run], capsys)[0] == 0
    )
    out = tmp_path / "predicted"
    holder = _holder(out)
    try:
        argv = ["--run", run, "--data", train_file, "--out", out]
        status, _, stderr = run_in_process(predict.main, argv, capsys)
        assert status == 2 and f"--out {out}: in use by another run (pid {holder.pid}" in stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("where", ["the run itself", "another run", "an interrupted run"])
def test_predict_refuses_an_out_that_holds_a_run(where, train_file, tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        run_in_process(classify.main, ["--train", train_file, *TINY, "--out", run], capsys)[0] == 0
    )
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    out = {"the run itself": run, "another run": tmp_path / "other"}.get(where, tmp_path / "cut")
    if where == "another run":
        run_in_process(classify.main, ["--train", train_file, *TINY, "--out", out], capsys)
    if where == "an interrupted run":
        (out / ".train").mkdir(parents=True)
    argv = ["--run", run, "--data", train_file, "--out", out]
    status, _, stderr = run_in_process(predict.main, argv, capsys)
    assert status == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert f"--out {out} is " in stderr and "no run's files are replaced" in stderr
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_a_failed_save_leaves_the_previous_run_whole(train_file, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = ["--train", train_file, *TINY, "--out", out]
    assert run_in_process(classify.main, [*argv, "--plot-gates"], capsys)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert "gates.png" in before

    def refuse(path, history, metric=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_plots, "learning_curves", refuse)  # after the model, before metrics
    status, _, stderr = run_in_process(classify.main, [*argv, "--seed", "1"], capsys)
    assert status == 2 and "learning_curves.png: Permission denied" in stderr, stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before  # the new predictions, model and plots are all staged
    monkeypatch.undo()
    status, _, stderr = run_in_process(classify.main, [*argv, "--seed", "1", "--resume"], capsys)
    assert status == 0, stderr
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert "gates.png" not in names  # the previous run's, which this run did not make
    assert json.loads((out / _io.MANIFEST).read_text()) == sorted(
        names, key=lambda n: (n == "metrics.json", n)
    )
    assert json.loads((out / "metrics.json").read_text())["seed"] == 1


def test_a_failed_swap_puts_the_previous_set_back(tmp_path, monkeypatch):
    folder = tmp_path / "f"
    _io.stage(folder)
    for name in ("a.csv", "b.csv", "metrics.json"):
        _io.write_json(folder / name, {"run": 1})
    _io.commit(folder)
    _io.stage(folder)
    for name in ("a.csv", "c.csv", "metrics.json"):
        _io.write_json(folder / name, {"run": 2})
    replace = os.replace

    def failing(source, target):
        if str(target).endswith("metrics.json") and ".staging" in str(source):
            raise OSError(28, "No space left on device", str(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError):
        _io.commit(folder)
    monkeypatch.undo()
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["a.csv", "b.csv", "metrics.json"]
    assert all(json.loads((folder / n).read_text()) == {"run": 1} for n in names)
    _io.commit(folder)  # the staged set is still there to retry
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["a.csv", "c.csv", "metrics.json"]


def test_temporary_files_have_per_process_names(tmp_path):
    with _io.atomic_path(tmp_path / "model.keras") as temporary:
        assert str(os.getpid()) in temporary.name and temporary.suffix == ".keras"
        temporary.write_text("x")
    assert (tmp_path / "model.keras").read_text() == "x"


def test_a_killed_run_resumes(train_file, tmp_path):
    """SIGKILL (no handler runs): the lock file stays, the next run takes it over."""
    out = tmp_path / "out"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    argv = [sys.executable, "-m", "recipes.classify", "--train", str(train_file), *TINY]
    argv += ["--max-steps", "100000", "--min-steps", "100000", "--epochs", "100000"]
    argv += ["--out", str(out)]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("Epoch 3/"):
            break
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert (out / _lock.NAME).exists() and (out / ".train").is_dir()
    resumed = subprocess.run(
        [*argv, "--resume", "--epochs", "1"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert (out / "metrics.json").is_file() and not (out / _lock.NAME).exists()
