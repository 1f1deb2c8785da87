"""Every registered builder through the shared check, plus each option's effect."""

import keras
import numpy as np
import pytest

import zoo
from tests.cases import CASES
from tests.helpers import check_builder

ALL_CASES = [
    pytest.param(name, *case, id=f"{name}-{i}")
    for name in zoo.list_models()
    for i, case in enumerate(CASES.get(name, [(None, None, None)]))
]


def test_every_registered_builder_has_cases():
    assert set(zoo.list_models()) == set(CASES), (
        "Add example arguments for each new builder to tests/cases.py"
    )


@pytest.mark.parametrize("name, kwargs, kind, output_shape", ALL_CASES)
def test_builder(name, kwargs, kind, output_shape, tmp_path):
    check_builder(name, kwargs, kind, output_shape, tmp_path)


def test_registry_lookup():
    assert {"lstm", "stacked_lstm"} <= set(zoo.list_models())
    assert zoo.list_models() == sorted(zoo.list_models())
    assert "stacked_lstm" in zoo.list_models(task="classification")
    model = zoo.get_model("stacked_lstm", input_shape=(5, 2), units=(4, 3), num_classes=2)
    assert model.name == "stacked_lstm"
    assert [la.units for la in model.layers if isinstance(la, zoo.layers.LSTM)] == [
        4,
        3,
    ]


def test_get_model_unknown_name():
    with pytest.raises(ValueError, match=r"Unknown model name.*Received: name='gru'"):
        zoo.get_model("gru", input_shape=(5, 2))


def _lstms(model):
    return [la for la in model.layers if isinstance(la, zoo.layers.LSTM)]


def test_stacking_chains_return_sequences():
    model = zoo.stacked_lstm((7, 2), units=(4, 5, 6), num_classes=2)
    assert [la.return_sequences for la in _lstms(model)] == [True, True, False]
    model = zoo.stacked_lstm((7, 2), units=(4, 5), num_classes=2, return_sequences=True)
    assert [la.return_sequences for la in _lstms(model)] == [True, True]
    assert model.output_shape == (None, 7, 2)


def test_heads_and_options():
    classifier = zoo.lstm((6, 2), units=4, num_classes=5, head_units=(7, 3), name="clf")
    assert classifier.name == "clf"
    assert classifier.get_layer("probabilities").activation.__name__ == "softmax"
    assert [classifier.get_layer(f"head_dense_{i}").units for i in (1, 2)] == [7, 3]
    regressor = zoo.lstm((6, 2), units=4, head="regression", num_outputs=3)
    assert regressor.get_layer("prediction").activation.__name__ == "linear"
    assert regressor.output_shape == (None, 3)
    features = zoo.stacked_lstm((6, 2), units=(4, 9), head=None, bidirectional=True)
    assert features.output_shape == (None, 18)
    dropped = zoo.stacked_lstm(
        (6, 2), units=(4, 4), num_classes=2, dropout=0.25, recurrent_dropout=0.5
    )
    assert [dropped.get_layer(f"dropout_{i}").rate for i in (1, 2)] == [0.25, 0.25]
    assert all(la.recurrent_dropout == 0.5 for la in _lstms(dropped))
    masked = zoo.lstm((None, 2), num_classes=2, masking=True, mask_value=-9.0)
    assert masked.get_layer("masking").mask_value == -9.0


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_padded_batch_equals_unpadded_sequence(bidirectional, return_sequences):
    model = zoo.stacked_lstm(
        (None, 3),
        units=(5, 4),
        head="regression",
        masking=True,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    rng = np.random.default_rng(0)
    short = rng.normal(size=(1, 6, 3)).astype("float32")
    other = rng.normal(size=(1, 10, 3)).astype("float32")
    padded = np.zeros((2, 10, 3), "float32")
    padded[0, :6] = short[0]
    padded[1] = other[0]
    alone = model.predict(short, verbose=0)
    batched = model.predict(padded, verbose=0)
    if return_sequences:
        np.testing.assert_allclose(batched[0, :6], alone[0], atol=1e-5)
        if not bidirectional:  # the padded steps repeat the last real step's output
            np.testing.assert_allclose(batched[0, 6:], np.repeat(alone[:, -1], 4, 0), atol=1e-5)
    else:
        np.testing.assert_allclose(batched[0], alone[0], atol=1e-5)
    # The padding really was ignored: without the mask the output differs
    # (forward-only steps before the padding cannot see it: the ones after differ).
    unmasked = zoo.stacked_lstm(
        (None, 3),
        units=(5, 4),
        head="regression",
        masking=False,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    unmasked.set_weights(model.get_weights())
    leaked = unmasked.predict(padded, verbose=0)[0]
    if return_sequences and not bidirectional:
        assert not np.allclose(leaked[6:], batched[0, 6:], atol=1e-3)
    else:
        assert not np.allclose(leaked[:6] if return_sequences else leaked, alone[0], atol=1e-3)


BAD_ARGUMENTS = [
    (dict(input_shape=(10,)), r"`input_shape`.*Received: input_shape=\(10,\)"),
    (
        dict(input_shape=(10, 3, 2)),
        r"`input_shape`.*Received: input_shape=\(10, 3, 2\)",
    ),
    (dict(input_shape=10), r"`input_shape`.*Received: input_shape=10"),
    (dict(input_shape=(10, 0)), r"features entry.*Received: input_shape=\(10, 0\)"),
    (dict(input_shape=(10, -2)), r"features entry.*Received: input_shape=\(10, -2\)"),
    (dict(input_shape=(0, 2)), r"timesteps entry.*Received: input_shape=\(0, 2\)"),
    (dict(units=()), r"`units`.*non-empty.*Received: units=\(\)"),
    (dict(units=(8, 0)), r"`units`.*Received: units=\(8, 0\)"),
    (dict(units=(8, -4)), r"`units`.*Received: units=\(8, -4\)"),
    (dict(num_classes=None), r"`num_classes`.*>= 2.*Received: num_classes=None"),
    (dict(num_classes=1), r"`num_classes`.*>= 2.*Received: num_classes=1"),
    (dict(head="softmax"), r"`head`.*one of.*Received: head='softmax'"),
    (dict(dropout=-0.1), r"`dropout`.*\[0, 1\).*Received: dropout=-0.1"),
    (dict(dropout=1.0), r"`dropout`.*Received: dropout=1.0"),
    (
        dict(recurrent_dropout=1.5),
        r"`recurrent_dropout`.*Received: recurrent_dropout=1.5",
    ),
    (dict(head="regression", num_outputs=0), r"`num_outputs`.*Received: num_outputs=0"),
    (dict(head_units=(0,)), r"`head_units`.*Received: head_units=\(0,\)"),
]


@pytest.mark.parametrize("override, message", BAD_ARGUMENTS)
def test_bad_arguments_raise_before_building(override, message, monkeypatch):
    built = []
    monkeypatch.setattr(
        zoo.layers.LSTM,
        "__init__",
        lambda *a, **k: built.append(1) or pytest.fail("layer built"),
    )
    kwargs = dict(input_shape=(10, 3), units=(8, 8), num_classes=3)
    kwargs.update(override)
    with pytest.raises(ValueError, match=message):
        zoo.stacked_lstm(**kwargs)
    assert not built


def test_lstm_units_must_be_positive_int():
    with pytest.raises(ValueError, match=r"`units`.*Received: units=0"):
        zoo.lstm((10, 3), units=0, num_classes=2)


def test_models_are_uncompiled():
    model = zoo.lstm((4, 2), units=3, num_classes=2)
    assert not model.compiled
    assert isinstance(keras.saving.get_registered_object("zoo>LSTM"), type)
