"""`ZOO_FAST_PATHS=0`: every shortcut off, and the builders still pass every check.

The switch is read once at import (`zoo._fast`); in-process the tests turn it
off with `zoo._fast.disabled()`, which is what the variable does, and spies
on each shortcut prove none of them served: no fused kernel, no graph walk,
no lean predict. A control run with the switch on shows the spies see the
shortcuts each backend has.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import zoo
from tests.cases import CASES
from tests.helpers import check_builder
from zoo import _fast, backends

BACKEND = keras.backend.backend()
BUILDERS = ("lstm", "stacked_lstm")


@pytest.fixture
def served(monkeypatch):
    """The names of the shortcuts that served a call while the test ran."""
    record = set()

    def spy(name, owner, attribute, served_if=lambda result: True):
        original = getattr(owner, attribute)

        def spied(*args, **kwargs):
            result = original(*args, **kwargs)  # NotImplementedError: it declined
            if served_if(result):
                record.add(name)
            return result

        monkeypatch.setattr(owner, attribute, spied)

    spy("fused kernel", backends, "lstm")
    spy("graph walk", _fast._walk, "walk_graph", served_if=lambda outputs: outputs is not None)
    spy("lean predict", _fast._predict, "lean_predict")
    spy("lean predict", backends, "predict_function")
    return record


def _fit_and_predict():
    model = zoo.stacked_lstm((6, 3), units=(5, 4), head="regression")
    x = np.random.default_rng(0).normal(size=(16, 6, 3)).astype("float32")
    model.compile("adam", "mse")
    model.fit(x, x[:, -1, :1], batch_size=8, epochs=1, verbose=0)
    return model, model.predict(x, verbose=0)


def test_the_spies_see_each_backends_shortcuts(served):
    _fit_and_predict()
    expected = {
        "torch": {"fused kernel", "graph walk", "lean predict"},
        "tensorflow": {"lean predict"},  # Keras's loop trains fastest (zoo/backends/tensorflow.py)
        "jax": {"lean predict"},  # Keras's scan trains fastest (zoo/backends/jax.py)
    }
    assert served == expected.get(BACKEND, set())


def test_switched_off_no_shortcut_serves_and_numbers_match(served):
    with _fast.disabled():
        assert not _fast.enabled()
        model, got = _fit_and_predict()
        plain = keras.Model(model.input, model.output)
        want = plain.predict(np.random.default_rng(0).normal(size=(16, 6, 3)).astype("float32"))
    assert _fast.enabled() is (os.environ.get("ZOO_FAST_PATHS", "1") != "0")
    assert served == set()
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    # the layer is keras.layers.LSTM: XLA may compile it, as Keras decides
    assert all(layer.supports_jit for layer in model.layers)


@pytest.mark.parametrize(
    "name, kwargs, kind, output_shape",
    [
        pytest.param(name, *case, id=f"{name}-{i}")
        for name in BUILDERS
        for i, case in enumerate(CASES[name])
        if i == 0  # one per builder, to stay cheap: every case runs with the switch on
    ],
)
def test_builders_pass_with_the_switch_off(name, kwargs, kind, output_shape, tmp_path, served):
    with _fast.disabled():
        check_builder(name, kwargs, kind, output_shape, tmp_path)
    assert served == set()


@pytest.mark.skipif(
    BACKEND != "jax", reason="read at import on every backend: checked once, in the jax suite"
)
def test_the_environment_variable_turns_the_switch_off():
    code = "import zoo._fast as f; print(f.enabled())"
    env = {**os.environ, "ZOO_FAST_PATHS": "0"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
