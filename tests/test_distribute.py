"""`--distribute`: data-parallel training through each backend's own engine.

Two devices on a CPU-only machine: jax gets two host devices from the XLA flag
(set before jax starts, so in a subprocess), TensorFlow two logical CPU
devices (set before it starts, likewise). With the same global batch, the
distributed run's losses match the single-device run's, and what it saves is
an ordinary model that loads on one device and predicts what the
single-device model predicts.

Matching losses alone would also pass if `--distribute` were ignored, so the
distributed run also records, through a spy on the backend's own data
placement, where every batch went: each one split into two equal halves on
two different devices.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from recipes import classify
from tests.recipe_helpers import ROOT, run_in_process, stderr_lines
from tests.test_recipe_classify import waves

BACKEND = keras.backend.backend()
FLAGS = ["--model", "lstm", "--epochs", "3", "--units", "8", "--batch-size", "16", "--dropout", "0"]
FLAGS += ["--no-classic-baselines"]  # aeon compiles its baselines (numba) in each process
# Two logical CPU devices for TensorFlow, then the recipe's command line. Every
# per-replica batch `MirroredStrategy.run` steps on is logged (as it runs, by
# tf.print) to $SPLIT_LOG: one line per step, the batch size on each replica,
# then the strategy's devices (a traced tensor's own device is not yet known).
TF_TWO_CPUS = """
import os, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
run = tf.distribute.MirroredStrategy.run
def spy(self, fn, args=(), kwargs=None, options=None):
    values = tf.nest.flatten(args)[0].values
    tf.print(*[tf.shape(v)[0] for v in values], *self.extended.worker_devices,
             output_stream="file://" + os.environ["SPLIT_LOG"])
    return run(self, fn, args=args, kwargs=kwargs, options=options)
tf.distribute.MirroredStrategy.run = spy
from recipes import _cli, classify
_cli.run(lambda: classify.main(sys.argv[1:]))
"""
# The same for jax: each array Keras places over the devices (training,
# validation and prediction batches), as the sizes and devices of its shards.
JAX_SPY = """
import os, sys
from keras.src.backend.jax import distribution_lib
place = distribution_lib.distribute_data_input
def spy(batch, layout, batch_dim_name):
    placed = place(batch, layout, batch_dim_name)
    shards = placed.addressable_shards
    with open(os.environ["SPLIT_LOG"], "a") as log:
        print(*[s.data.shape[0] for s in shards], *[s.device for s in shards], file=log)
    return placed
distribution_lib.distribute_data_input = spy
from recipes import _cli, classify
_cli.run(lambda: classify.main(sys.argv[1:]))
"""


@pytest.fixture
def wave_files(tmp_path):
    """160 training sequences (120 fit + 40 validation: both split evenly over two
    devices) and 41 test sequences (an odd count: predict pads and trims)."""
    paths = []
    for name, n, seed in (("train", 160, 0), ("test", 41, 1)):
        x, y = waves(n=n, seed=seed)
        paths.append(tmp_path / f"{name}.npz")
        np.savez(paths[-1], x=x, y=y)
    return paths


JAX_TWO_DEVICES = {"KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
CLASSIFY = [sys.executable, "-m", "recipes.classify"]


def _run(prefix, argv, env):
    """`prefix argv` in its own process with `env` added to this one's."""
    return subprocess.run(
        [*prefix, *map(str, argv)],
        cwd=ROOT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _run_twice(tmp_path, wave_files, prefix, env):
    """The recipe without and with --distribute; returns both output folders
    and the split log's lines."""
    train, test = wave_files
    outs, log = [], tmp_path / "split.log"
    for extra in ([], ["--distribute"]):
        out = tmp_path / ("distributed" if extra else "single")
        argv = ["--train", train, "--test", test, "--val-split", "0.25", "--out", out]
        done = _run(prefix, argv + FLAGS + extra, dict(env, SPLIT_LOG=str(log)))
        assert done.returncode == 0, stderr_lines(done.stderr)[-5:]
        outs.append(out)
        if not extra:  # on one device nothing is split (jax: not placed at all)
            lines = log.read_text().splitlines() if log.exists() else []
            assert all(len(line.split()) == 2 for line in lines), lines[:3]
            log.unlink(missing_ok=True)
    return *outs, log.read_text().splitlines()


def _assert_split(lines, batch_size=16):
    """Every logged batch was split in two halves on two devices (equal, or
    one apart for an odd last batch: 41 test sequences), and the training
    batches of `batch_size` were among them."""
    assert lines, "the spy saw no batch: --distribute did not place data"
    halves = set()
    for line in lines:
        first, second, *devices = line.split()
        assert abs(int(first) - int(second)) <= 1 and len(set(devices)) == 2, line
        halves.add(int(first))
    assert batch_size // 2 in halves, sorted(halves)


def _assert_same_training(single, distributed, devices):
    one, many = (json.loads((d / "metrics.json").read_text()) for d in (single, distributed))
    assert (one["devices"], many["devices"]) == (1, devices)
    curves = [
        np.genfromtxt(d / "history.csv", delimiter=",", names=True) for d in (single, distributed)
    ]
    for column in ("loss", "val_loss", "accuracy"):
        np.testing.assert_allclose(curves[1][column], curves[0][column], rtol=1e-4, atol=1e-5)
    assert curves[0]["loss"][-1] < curves[0]["loss"][0]  # it trained
    # The distributed run saved an ordinary model: it loads here, on one device.
    x, _ = waves(n=41, seed=1)
    models = [keras.saving.load_model(d / "model.keras") for d in (single, distributed)]
    predictions = [m.predict(x, verbose=0) for m in models]
    assert predictions[1].shape == (41, 3)
    np.testing.assert_allclose(predictions[1], predictions[0], atol=1e-4)
    lines = [(d / "predictions.csv").read_text().splitlines() for d in (single, distributed)]
    assert len(lines[1]) == 42 and lines[1] == lines[0]  # header + every test sequence


@pytest.mark.skipif(BACKEND != "jax", reason="runs jax in a subprocess; once, in the jax suite")
def test_jax_data_parallel_over_two_devices_trains_like_one(tmp_path, wave_files):
    prefix = [sys.executable, "-c", JAX_SPY]
    single, distributed, split = _run_twice(tmp_path, wave_files, prefix, JAX_TWO_DEVICES)
    _assert_split(split)
    _assert_same_training(single, distributed, devices=2)


@pytest.mark.skipif(
    BACKEND != "tensorflow", reason="runs TensorFlow in a subprocess; once, in its suite"
)
def test_tensorflow_mirrored_over_two_cpus_trains_like_one(tmp_path, wave_files):
    env = {"KERAS_BACKEND": "tensorflow"}
    prefix = [sys.executable, "-c", TF_TWO_CPUS]
    single, distributed, split = _run_twice(tmp_path, wave_files, prefix, env)
    _assert_split(split)
    _assert_same_training(single, distributed, devices=2)


@pytest.mark.skipif(BACKEND != "torch", reason="the torch backend's answer to --distribute")
def test_torch_distribute_is_a_clear_error(tmp_path, wave_files, capsys):
    argv = ["--train", wave_files[0], "--out", tmp_path / "run", *FLAGS, "--distribute"]
    status, _, stderr = run_in_process(classify.main, argv, capsys)
    assert status == 2
    assert stderr.strip() == (
        "error: --distribute runs on the jax and tensorflow backends; Keras's torch "
        "backend has no data-parallel fit"
    )
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(BACKEND != "jax", reason="checks jax's device count; once, in the jax suite")
def test_jax_batch_must_split_over_the_devices(tmp_path, wave_files):
    argv = ["--train", wave_files[0], "--out", tmp_path / "run", "--batch-size", "15"]
    done = _run(CLASSIFY, [*argv, "--distribute"], JAX_TWO_DEVICES)
    assert done.returncode == 2
    assert stderr_lines(done.stderr) == [
        "error: --batch-size 15 must split evenly over the 2 devices of --distribute"
    ]
