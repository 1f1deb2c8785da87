"""A JAX or PyTorch run of zoo never imports TensorFlow (whose import prints
oneDNN and absl banners and costs seconds), even where it is installed.

zoo imports a framework only in `zoo/backends/`, and only Keras's chosen
one. Keras itself still imports TensorFlow, where installed, from
`keras.utils.set_random_seed` (to seed it too) and from
`serialize_keras_object` (`get_config`, `save`): keras 3.15.1, not zoo's to
change in the library; the recipes mark TensorFlow absent on the other backends
(recipes/__init__.py), and the second test runs one.
"""

import subprocess
import sys

import keras
import pytest

BACKEND = keras.backend.backend()

CODE = """
import sys

import numpy as np

import zoo

model = zoo.stacked_lstm((6, 3), units=(5, 4), num_classes=2)
x = np.zeros((8, 6, 3), "float32")
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, np.zeros(8, "int32"), epochs=1, verbose=0)
model.predict(x, verbose=0)
print(sorted(m for m in sys.modules if m.split(".")[0] == "tensorflow"))
"""


@pytest.mark.skipif(BACKEND == "tensorflow", reason="the tensorflow backend needs TensorFlow")
def test_a_run_on_this_backend_never_imports_tensorflow():
    env = {"KERAS_BACKEND": BACKEND, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "oneDNN" not in result.stderr


@pytest.mark.skipif(BACKEND == "tensorflow", reason="the tensorflow backend needs TensorFlow")
def test_a_recipe_run_prints_no_tensorflow_banner(tmp_path):
    # Keras's own seeding and saving would import TensorFlow: recipes/__init__.py
    # marks it absent on the other backends
    env = {"KERAS_BACKEND": BACKEND, "PATH": "/usr/bin:/bin"}
    flags = ["--max-steps", "5", "--epochs", "1", "--no-classic-baselines", "--out", tmp_path]
    result = subprocess.run(
        [sys.executable, "-m", "recipes.classify", *map(str, flags)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for banner in ("oneDNN", "absl", "cpu_feature_guard", "TensorFlow"):
        assert banner not in result.stderr + result.stdout
    assert (tmp_path / "model.keras").exists()
