"""The fused fast paths of `zoo.layers.LSTM` against Keras's own loop.

Same weights, same inputs, the fused kernel against the same layer with the
fast paths off (`zoo._fast.disabled()`): outputs, final states and gradients
(with respect to the inputs, a non-zero initial state and every weight) agree
within 1e-5 in float32, with and without masks, forwards and backwards,
returning sequences or not; and a few plain SGD steps of `fit` train to the
same weights (SGD, not Adam: Adam's first steps are about the rate times the
gradient's sign, blind to a gradient off by a constant factor). A spy on
`zoo.backends.lstm` counts the calls the fused kernel served in each mode the
backend claims (an eager call, the traced or eager train step of `fit`,
`predict`), so a silent fall-back to Keras's loop fails these tests instead
of comparing Keras with Keras. Where a fast path cannot serve, the layer falls
back to Keras's loop, and the fallback gives the same numbers too.
"""

import contextlib
import gc
import weakref

import keras
import numpy as np
import pytest

import zoo
from tests.helpers import outputs_and_gradients, pair, plain_functional
from zoo import backends

BACKEND = keras.backend.backend()
# jax and TensorFlow have no fused kernel (Keras's own loop measured fastest:
# zoo/backends/jax.py, zoo/backends/tensorflow.py): there every call is asked
# and declines, and the tests below say so
NO_FUSED_KERNEL = BACKEND in ("jax", "tensorflow")
FUSED = "fell back" if NO_FUSED_KERNEL else "served"
ATOL = 1e-5
NO_KERNEL = pytest.mark.skipif(
    NO_FUSED_KERNEL,
    reason=f"{BACKEND} has no fused kernel to count or compare (Keras's loop measured "
    f"fastest, zoo/backends/{BACKEND}.py); test_declines_to_keras covers it",
)
LENGTHS = [7, 5, 1, 3]  # right-padded batch: every sequence keeps at least one step


def right_padded(steps=7):
    return np.arange(steps)[None, :] < np.array(LENGTHS)[:, None]


def _spy_on_fallbacks(monkeypatch):
    """Records what the fast path did with each call: "served" or "fell back".

    Not the calls on torch's meta tensors, which carry shapes only: Keras's
    torch backend infers output shapes that way (`fit` does before its first
    step), and what the kernel does with them computes nothing.
    """
    record = []
    fast = backends.lstm

    def spy(*args, **kwargs):
        shapes_only = getattr(getattr(args[0], "device", None), "type", None) == "meta"
        try:
            result = fast(*args, **kwargs)
        except NotImplementedError:
            if not shapes_only:
                record.append("fell back")
            raise
        if not shapes_only:
            record.append("served")
        return result

    monkeypatch.setattr(backends, "lstm", spy)
    return record


@pytest.mark.parametrize("return_sequences", [True, False], ids=["sequences", "last"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_same_outputs_states_and_gradients_as_keras(
    masked, go_backwards, return_sequences, monkeypatch
):
    """The fused kernel's outputs and gradients against Keras's loop, directly:
    the same layer with the fast paths off, a non-zero initial state."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    h0, c0 = (rng.normal(size=(4, 5)).astype("float32") for _ in range(2))
    mask = right_padded() if masked else None
    layer, _ = pair(return_sequences=return_sequences, return_state=True, go_backwards=go_backwards)
    shapes = [(4, 7, 5) if return_sequences else (4, 5), (4, 5), (4, 5)]
    upstream = [rng.normal(size=s).astype("float32") for s in shapes]
    record = _spy_on_fallbacks(monkeypatch)
    got, got_grads = outputs_and_gradients(layer, x, h0, c0, mask, upstream)
    assert record == [FUSED]  # the fused kernel computed `got` (jax: Keras's scan)
    with zoo._fast.disabled():
        want, want_grads = outputs_and_gradients(layer, x, h0, c0, mask, upstream)
    assert record == [FUSED]  # and Keras's loop `want`, unasked
    for name, a, b in zip(["output", "h", "c"], got, want, strict=True):
        np.testing.assert_allclose(a, b, atol=ATOL, err_msg=name)
    names = ["x", "h0", "c0", "kernel", "recurrent_kernel", "bias"]
    for name, a, b in zip(names, got_grads, want_grads, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=ATOL, err_msg=f"gradient of {name}")
        assert np.abs(b).max() > 0.05, name  # large against ATOL: a scaled gradient shows


@NO_KERNEL
def test_the_fast_path_serves_standard_calls(monkeypatch):
    """Plain, masked and backward calls reach the backend's fused function and
    do not fall back: a silent fallback would pass every equality test."""
    record = _spy_on_fallbacks(monkeypatch)
    x = np.random.default_rng(0).normal(size=(4, 7, 3)).astype("float32")
    for go_backwards in (False, True):
        layer, _ = pair(return_sequences=True, go_backwards=go_backwards)
        layer(x)
        layer(x, mask=right_padded())
    assert record == ["served"] * 4


@pytest.mark.skipif(not NO_FUSED_KERNEL, reason="torch has a fused kernel: it serves")
def test_declines_to_keras():
    with pytest.raises(NotImplementedError, match="Keras's (scan|loop)"):
        backends.lstm(
            np.zeros((2, 3, 4), "float32"),
            np.zeros((2, 5), "float32"),
            np.zeros((2, 5), "float32"),
            None,
            kernel=np.zeros((4, 20), "float32"),
            recurrent_kernel=np.zeros((5, 20), "float32"),
            bias=np.zeros(20, "float32"),
            activation=keras.activations.tanh,
            recurrent_activation=keras.activations.sigmoid,
        )


def test_bidirectional_with_a_mask_matches_keras():
    x = np.random.default_rng(2).normal(size=(4, 7, 3)).astype("float32")
    ours, theirs = pair(return_sequences=True)
    ours = keras.layers.Bidirectional(ours)
    theirs = keras.layers.Bidirectional(theirs)
    ours.build((None, 7, 3))
    theirs.build((None, 7, 3))
    theirs.set_weights(ours.get_weights())
    mask = right_padded()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x, mask=mask)),
        keras.ops.convert_to_numpy(theirs(x, mask=mask)),
        atol=ATOL,
    )


@pytest.mark.parametrize(
    "kwargs, mask, expected",
    [
        ({"activation": "relu"}, None, ["fell back"]),
        ({"recurrent_activation": "hard_sigmoid"}, None, ["fell back"]),
        ({"recurrent_dropout": 0.3}, None, []),  # never asked: the layer knows
        (
            {},
            np.arange(7)[None, :] >= np.array([0, 2, 6, 4])[:, None],  # left-padded
            ["fell back"],  # torch packs right padding only; jax and TensorFlow always decline
        ),
    ],
    ids=["relu", "hard_sigmoid", "recurrent_dropout", "left_padded"],
)
def test_fallbacks_give_keras_numbers(kwargs, mask, expected, monkeypatch):
    record = _spy_on_fallbacks(monkeypatch)
    x = np.random.default_rng(3).normal(size=(4, 7, 3)).astype("float32")
    ours, theirs = pair(return_sequences=True, **kwargs)
    got = keras.ops.convert_to_numpy(ours(x, mask=mask))
    # eager torch asks the kernel from `call` and again from `inner_loop`
    assert sorted(set(record)) == expected
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(theirs(x, mask=mask)), atol=ATOL)


def test_a_fully_masked_sequence_falls_back_on_torch_and_matches(monkeypatch):
    record = _spy_on_fallbacks(monkeypatch)
    x = np.random.default_rng(4).normal(size=(3, 5, 3)).astype("float32")
    mask = np.arange(5)[None, :] < np.array([5, 0, 2])[:, None]
    ours, theirs = pair(return_sequences=True)
    got = keras.ops.convert_to_numpy(ours(x, mask=mask))
    assert record == ["fell back"]
    np.testing.assert_allclose(got, keras.ops.convert_to_numpy(theirs(x, mask=mask)), atol=ATOL)


def _stacked(masked):
    """Two zoo LSTMs (the second reading backwards) and a head; `Masking(-1)` if masked."""
    layers = [keras.Input((7, 3))]
    if masked:
        layers.append(keras.layers.Masking(mask_value=-1.0))
    layers += [
        zoo.layers.LSTM(6, return_sequences=True),
        zoo.layers.LSTM(5, go_backwards=True),
        keras.layers.Dense(1),
    ]
    return keras.Sequential(layers)


@NO_KERNEL
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_sgd_steps_with_the_fast_path_train_to_keras_weights(masked, monkeypatch):
    """Four plain SGD steps of `fit` (batches of 8 of 32) train to the weights
    Keras's loop trains to, and every LSTM call of the train step was fused."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 7, 3)).astype("float32")
    if masked:  # right padding of -1.0: every sequence keeps 2 to 7 steps
        x[np.arange(7)[None, :] >= rng.integers(2, 8, size=32)[:, None]] = -1.0
    y = rng.normal(size=(32, 1)).astype("float32")
    record = _spy_on_fallbacks(monkeypatch)
    trained = []
    for fast in (True, False):
        keras.utils.set_random_seed(0)
        with contextlib.nullcontext() if fast else zoo._fast.disabled():
            model = _stacked(masked)
            start = model.get_weights()
            model.compile(keras.optimizers.SGD(0.5), "mse")
            model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        trained.append(model.get_weights())
        # per LSTM layer: eager torch asks the kernel at each of the 4 steps,
        # TensorFlow once, when it traces the train step; off, never
        assert record == (["served"] * (8 if BACKEND == "torch" else 2) if fast else [])
        del record[:]
    moved = max(np.abs(a - b).max() for a, b in zip(trained[1], start, strict=True))
    assert moved > 0.05  # far beyond the tolerance: a scaled gradient shows
    for a, b in zip(*trained, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@NO_KERNEL
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
def test_the_fused_kernel_serves_each_mode(masked, monkeypatch):
    """Counted per mode: an eager call, `train_on_batch` and `fit` (the train
    step: eager on torch, traced on TensorFlow and JAX), and `predict`."""
    model = zoo.stacked_lstm(
        (None, 3), units=(5, 4), head="regression", masking=masked, mask_value=99.0
    )
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = np.random.default_rng(6).normal(size=(16, 7, 3)).astype("float32")
    if masked:
        x[:8, 4:] = 99.0  # half the batch padded to 7 steps from 4
    y = x[:, :1, 0]
    layers = 2
    record = _spy_on_fallbacks(monkeypatch)
    model(x)
    assert record == ["served"] * layers, "eager call"
    del record[:]
    model.train_on_batch(x, y)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    # torch: every step (1 + 2); TensorFlow: each trace (batches of 16, then 8)
    assert record == ["served"] * layers * (3 if BACKEND == "torch" else 2), "train step"
    del record[:]
    model.predict(x, batch_size=8, verbose=0)
    # torch's lean predict: every batch
    expected = {"torch": ["served"] * 4}[BACKEND]
    assert record == expected, "predict"


# === The lean predict path of zoo.models.SequenceModel ===


def _spy_on_predict(monkeypatch):
    """Records each batch the lean predict path runs (none when it declines)."""
    record = []
    make = backends.predict_function

    def spy(model):
        step = make(model)  # raises NotImplementedError where there is no lean predict

        def recorded(batch):
            record.append(keras.tree.flatten(batch)[0].shape[0])
            return step(batch)

        return recorded

    monkeypatch.setattr(backends, "predict_function", spy)
    return record


def _regressor():
    return zoo.stacked_lstm((6, 3), units=(5, 4), head="regression", num_outputs=2)


def test_lean_predict_serves_arrays_and_matches_keras(monkeypatch):
    record = _spy_on_predict(monkeypatch)
    model = _regressor()
    x = np.random.default_rng(0).normal(size=(70, 6, 3)).astype("float32")
    got = model.predict(x, batch_size=32, verbose=0)
    want = plain_functional(model).predict(x, batch_size=32, verbose=0)
    assert isinstance(got, np.ndarray) and got.shape == (70, 2)
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    assert record == [32, 32, 6]
    tensor = keras.ops.convert_to_tensor(x)  # a backend tensor is served too
    np.testing.assert_allclose(model.predict(tensor, verbose=0), want, atol=1e-6, rtol=0)


def test_lean_predict_uses_the_weights_of_the_moment(monkeypatch):
    """A compiled forward function is cached per model; new weights reach it."""
    record = _spy_on_predict(monkeypatch)
    model = _regressor()
    x = np.random.default_rng(2).normal(size=(8, 6, 3)).astype("float32")
    before = model.predict(x, verbose=0)
    model.set_weights([w + 0.1 for w in model.get_weights()])
    after = model.predict(x, verbose=0)
    assert record == [8, 8]
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(after, plain_functional(model).predict(x, verbose=0), atol=1e-6)


def test_a_predicted_model_can_be_freed():
    """The lean predict's per-model cache holds its model weakly."""
    model = _regressor()
    model.predict(np.zeros((4, 6, 3), "float32"), verbose=0)
    model = weakref.ref(model)
    gc.collect()
    assert model() is None


def test_stateful_layers_predict_as_in_keras(monkeypatch):
    """On TensorFlow and torch, Keras's predict starts each batch from the
    previous batch's final state and the lean loop does too; jax's lean
    predict declines stateful models (Keras 3.15's jax predict carries no
    state from batch to batch, and its own predict keeps that behaviour)."""
    record = _spy_on_predict(monkeypatch)
    inputs = keras.Input(batch_shape=(4, 6, 3))
    outputs = zoo.layers.LSTM(5, stateful=True)(inputs)
    model = zoo.models.SequenceModel(inputs, outputs)
    plain = plain_functional(model)
    x = np.random.default_rng(3).normal(size=(8, 6, 3)).astype("float32")
    x[4:] = x[:4]  # the same batch twice: different outputs only if the state carries
    got = model.predict(x, batch_size=4, verbose=0)
    model.layers[1].reset_states()
    want = plain.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    carried = np.abs(got[4:] - got[:4]).max() > 1e-3
    assert (carried, record) == ((False, []) if BACKEND == "jax" else (True, [4, 4]))


def test_lean_predict_handles_dict_inputs_and_outputs():
    model = zoo.lstm_autoencoder((6, 3), latent_dim=4, future_steps=2, conditional=True)
    rng = np.random.default_rng(1)
    x = {
        "sequence": rng.normal(size=(9, 6, 3)).astype("float32"),
        "true_future": rng.normal(size=(9, 2, 3)).astype("float32"),
    }
    got = model.predict(x, batch_size=4, verbose=0)
    want = plain_functional(model).predict(x, batch_size=4, verbose=0)
    assert sorted(got) == ["future", "reconstruction"]
    assert got["future"].shape == (9, 2, 3) and got["reconstruction"].shape == (9, 6, 3)
    for key in got:
        np.testing.assert_allclose(got[key], want[key], atol=1e-6, rtol=0)


def test_lean_predict_shows_the_progress_bar(capsys):
    model = _regressor()
    model.predict(np.zeros((10, 6, 3), "float32"), batch_size=4)
    assert "3/3" in capsys.readouterr().out
    model.predict(np.zeros((10, 6, 3), "float32"), batch_size=4, verbose=0)
    assert capsys.readouterr().out == ""


def test_other_inputs_go_to_keras_predict(monkeypatch):
    """A PyDataset (or steps, or callbacks) runs Keras's own loop, same numbers."""
    record = _spy_on_predict(monkeypatch)
    model = _regressor()
    x = np.random.default_rng(2).normal(size=(10, 6, 3)).astype("float32")

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 5 : (i + 1) * 5]

    want = model.predict(x, batch_size=5, verbose=0)
    served = len(record)
    np.testing.assert_allclose(model.predict(Batches(), verbose=0), want, atol=1e-6, rtol=0)
    counted = keras.callbacks.LambdaCallback()
    np.testing.assert_allclose(
        model.predict(x, batch_size=5, verbose=0, callbacks=[counted]), want, atol=1e-6, rtol=0
    )
    assert len(record) == served  # neither call reached the lean path


def test_predict_reports_bad_input_shapes_with_keras_message():
    model = _regressor()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 6, 3\), found shape=\(4, 6, 2\)"):
        model.predict(np.zeros((4, 6, 2), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"Expected shape \(None, 6, 3\), but input has incomp"):
        model.predict(keras.ops.zeros((4, 6)), verbose=0)


# === The lean graph walk of zoo.models.SequenceModel (eager torch) ===

EAGER = BACKEND == "torch"  # TensorFlow and JAX trace the graph once: nothing to save


def _count_calls(monkeypatch, cls):
    """Counts `cls.__call__` invocations (`Layer.__call__` and its bookkeeping)."""
    calls = []
    original = cls.__call__

    def counted(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__call__", counted)
    return calls


def test_torch_runs_the_layers_without_layer_call(monkeypatch):
    model = zoo.stacked_lstm((6, 3), units=(5, 4), head="regression", dropout=0.5)
    x = np.random.default_rng(3).normal(size=(8, 6, 3)).astype("float32")
    want = keras.ops.convert_to_numpy(plain_functional(model)(x, training=False))
    calls = _count_calls(monkeypatch, keras.layers.Dense)
    got = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    assert calls == ([] if EAGER else ["prediction"])
    # training=True reaches the Dropout layers the walk calls directly
    trained = keras.ops.convert_to_numpy(model(x, training=True))
    assert np.abs(trained - want).max() > 1e-3


def test_masked_graphs_keep_layer_call(monkeypatch):
    """Masks travel through `Layer.__call__`: a Masking model is walked by Keras."""
    model = zoo.lstm((6, 3), units=5, masking=True, head="regression")
    x = np.random.default_rng(4).normal(size=(5, 6, 3)).astype("float32")
    x[:, 4:] = 0.0  # padding the mask hides
    want = keras.ops.convert_to_numpy(plain_functional(model)(x))
    calls = _count_calls(monkeypatch, keras.layers.Dense)
    got = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    assert calls == ["prediction"]


def test_custom_layers_keep_layer_call(monkeypatch):
    """A user's layer may rely on anything `Layer.__call__` does: it gets it."""

    class Doubled(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    inputs = keras.Input((6, 3))
    outputs = keras.layers.Dense(1)(Doubled(name="doubled")(zoo.layers.LSTM(4)(inputs)))
    model = zoo.models.SequenceModel(inputs, outputs)
    x = np.ones((2, 6, 3), "float32")
    want = keras.ops.convert_to_numpy(plain_functional(model)(x))
    calls = _count_calls(monkeypatch, Doubled)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), want, atol=1e-6, rtol=0)
    assert calls == ["doubled"]


def test_training_through_the_walk_matches_keras():
    """Three plain SGD steps through the lean walk train to Keras's weights."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(24, 6, 3)).astype("float32")
    y = rng.normal(size=(24, 2)).astype("float32")
    trained = []
    for plain in (False, True):
        keras.utils.set_random_seed(0)
        model = _regressor()
        model = plain_functional(model) if plain else model
        model.compile(keras.optimizers.SGD(0.5), "mse")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for a, b in zip(*trained, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


# === TensorFlow's lean predict: an XLA function on the CPU ===


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the XLA predict function is TensorFlow's")
def test_tensorflow_predicts_through_xla_with_keras_loop(monkeypatch):
    import tensorflow as tf

    from zoo.backends import tensorflow as tf_paths

    if tf.config.list_logical_devices("GPU"):
        pytest.skip("on a GPU the plain function keeps Keras's cuDNN path")
    record = _spy_on_fallbacks(monkeypatch)
    model = _regressor()
    x = np.random.default_rng(7).normal(size=(20, 6, 3)).astype("float32")
    got = model.predict(x, batch_size=8, verbose=0)
    # traced for the full and the last batch, each LSTM running Keras's loop
    assert record == ["fell back"] * 4
    assert tf_paths._PREDICT_FUNCTIONS[model].xla is not None  # compiled, and kept
    np.testing.assert_allclose(got, plain_functional(model).predict(x, verbose=0), atol=1e-6)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="the XLA predict function is TensorFlow's")
def test_tensorflow_predict_falls_back_where_xla_cannot_compile():
    import tensorflow as tf

    from zoo.backends import tensorflow as tf_paths

    class NumpyDoubled(keras.layers.Layer):  # tf.numpy_function: no XLA kernel
        def call(self, x):
            y = tf.numpy_function(lambda a: a * 2.0, [x], tf.float32)
            y.set_shape(x.shape)
            return y

    inputs = keras.Input((6, 3))
    outputs = keras.layers.Dense(1)(NumpyDoubled()(zoo.layers.LSTM(4)(inputs)))
    model = zoo.models.SequenceModel(inputs, outputs)
    x = np.random.default_rng(8).normal(size=(10, 6, 3)).astype("float32")
    got = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(got, plain_functional(model).predict(x, verbose=0), atol=1e-6)
    assert tf_paths._PREDICT_FUNCTIONS[model].xla is None
