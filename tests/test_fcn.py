"""The LSTM-FCN family beyond `check_builder`: structure, masking, and its own layers' numbers."""

import keras
import numpy as np
import pytest

import zoo
from zoo._errors import InputError

SMALL = dict(units=4, filters=(8, 16, 8))


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# === Structure ===


def test_default_branches_follow_the_paper():
    model = zoo.lstm_fcn((40, 1), num_classes=2)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [(c.filters, c.kernel_size, c.padding) for c in convs] == [
        (128, (8,), "same"),
        (256, (5,), "same"),
        (128, (3,), "same"),
    ]
    assert [model.get_layer(f"relu_{i}").activation.__name__ for i in (1, 2, 3)] == ["relu"] * 3
    assert [model.get_layer(f"batch_norm_{i}").momentum for i in (1, 2, 3)] == [0.9] * 3
    lstm = model.get_layer("lstm")
    assert type(lstm) is zoo.layers.LSTM
    assert (lstm.units, lstm.return_sequences) == (8, False)
    assert model.get_layer("lstm_dropout").rate == 0.8
    assert model.get_layer("global_pool").output.shape == (None, 128)
    assert model.get_layer("concatenate").output.shape == (None, 8 + 128)
    assert not any(isinstance(la, zoo.layers.SqueezeExcite) for la in model.layers)


def test_blocks_are_chained_conv_batch_norm_relu():
    model = zoo.mlstm_fcn(
        (12, 3), units=5, filters=(8, 16, 6), kernel_sizes=(7, 5, 3), num_classes=2
    )
    chain = ["conv_1", "batch_norm_1", "relu_1", "squeeze_excite_1", "conv_2", "batch_norm_2"]
    chain += ["relu_2", "squeeze_excite_2", "conv_3", "batch_norm_3", "relu_3", "global_pool"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert model.get_layer(after).input is model.get_layer(before).output, (before, after)
    assert model.get_layer("concatenate").output.shape == (None, 5 + 6)
    assert model.get_layer("conv_1").input is model.input
    assert model.get_layer("lstm").input is model.input


def test_mlstm_fcn_squeeze_excite_after_every_block_but_the_last():
    model = zoo.mlstm_fcn((20, 4), num_classes=3)
    blocks = [la for la in model.layers if isinstance(la, zoo.layers.SqueezeExcite)]
    assert [b.name for b in blocks] == ["squeeze_excite_1", "squeeze_excite_2"]
    # reduction 16: 128 -> 8 -> 128 and 256 -> 16 -> 256, no biases
    assert [[tuple(w.shape) for w in b.weights] for b in blocks] == [
        [(128, 8), (8, 128)],
        [(256, 16), (16, 256)],
    ]
    tiny = zoo.mlstm_fcn((20, 4), units=4, filters=(8, 16, 8), reduction=16, num_classes=3)
    assert tuple(tiny.get_layer("squeeze_excite_1").weights[0].shape) == (8, 1)  # at least 1


def test_heads_and_names():
    regressor = zoo.mlstm_fcn((10, 3), **SMALL, head="regression", num_outputs=3, name="r")
    assert regressor.name == "r"
    assert regressor.output_shape == (None, 3)
    assert regressor.get_layer("prediction").activation.__name__ == "linear"
    classifier = zoo.lstm_fcn((10, 3), **SMALL, num_classes=5)
    assert classifier.name == "lstm_fcn"
    assert classifier.get_layer("probabilities").activation.__name__ == "softmax"
    features = zoo.lstm_fcn((10, 3), **SMALL, head=None, dropout=0.0)
    assert features.output_shape == (None, 4 + 8)
    assert features.layers[-1].name == "concatenate"
    assert "lstm_dropout" not in [la.name for la in features.layers]
    assert zoo.get_model("mlstm_fcn", input_shape=(10, 3), num_classes=2).name == "mlstm_fcn"
    assert {"lstm_fcn", "mlstm_fcn"} <= set(zoo.list_models(task="regression"))


# === Dimension shuffle ===


def test_dimension_shuffle_feeds_the_lstm_one_step_per_feature():
    model = zoo.lstm_fcn((20, 3), **SMALL, num_classes=2, dimension_shuffle=True)
    lstm = model.get_layer("lstm")
    assert lstm.input.shape == (None, 3, 20)  # 3 steps of the whole 20-step series
    assert tuple(lstm.cell.kernel.shape) == (20, 4 * 4)
    x = np.random.default_rng(0).normal(size=(2, 20, 3)).astype("float32")
    branch = keras.Model(model.input, lstm.output)
    reference = zoo.layers.LSTM(4)
    reference.build((None, 3, 20))
    reference.set_weights(lstm.get_weights())
    np.testing.assert_allclose(
        _numpy(branch(x)), _numpy(reference(np.transpose(x, (0, 2, 1)))), atol=1e-5
    )
    plain = zoo.lstm_fcn((20, 3), **SMALL, num_classes=2)
    assert plain.get_layer("lstm").input.shape == (None, 20, 3)


# === Masked, unequal-length input ===


def _padded_pair(features, mask_value, seed=0):
    rng = np.random.default_rng(seed)
    short = rng.normal(size=(1, 6, features)).astype("float32")
    other = rng.normal(size=(1, 11, features)).astype("float32")
    padded = np.full((2, 11, features), mask_value, "float32")
    padded[0, :6] = short[0]
    padded[1] = other[0]
    return short, padded


def _randomized(model, seed=1):
    """Random weights and batch-norm statistics, so that nothing is at its initial value."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        if "moving_variance" in weight.path:
            values = rng.uniform(0.5, 2.0, size=weight.shape)
        else:
            values = rng.normal(scale=0.5, size=weight.shape)
        weight.assign(values.astype("float32"))
    return model


@pytest.mark.parametrize(
    "builder, options",
    [
        ("lstm_fcn", dict(mask_value=0.0)),
        ("lstm_fcn", dict(mask_value=-1.0, attention=True)),
        ("mlstm_fcn", dict(mask_value=-1.0, reduction=4)),
        ("mlstm_fcn", dict(mask_value=0.0, attention=True)),
    ],
)
def test_padded_batch_equals_unpadded_sequence(builder, options):
    kwargs = dict(input_shape=(None, 3), **SMALL, head="regression", num_outputs=2, **options)
    model = _randomized(zoo.get_model(builder, masking=True, **kwargs))
    short, padded = _padded_pair(3, options["mask_value"])
    alone = model.predict(short, verbose=0)
    batched = model.predict(padded, verbose=0)
    np.testing.assert_allclose(batched[0], alone[0], atol=1e-5)
    np.testing.assert_allclose(_numpy(model(padded, training=False))[0], alone[0], atol=1e-5)
    # Without the mask the padding leaks into the output: the test has teeth.
    unmasked = zoo.get_model(builder, masking=False, **kwargs)
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(unmasked.predict(padded, verbose=0)[0], alone[0], atol=1e-3)


def test_padding_is_left_out_of_training_batch_statistics():
    # Training mode: batch norm normalizes with the batch's own statistics,
    # which must come from the real steps only. Dropout 0 for determinism.
    model = zoo.mlstm_fcn((None, 2), **SMALL, head="regression", masking=True, dropout=0.0)
    short, padded = _padded_pair(2, 0.0)
    alone = _numpy(model(short, training=True))
    np.testing.assert_allclose(_numpy(model(padded[:1], training=True)), alone, atol=1e-5)


def test_conv_branch_sees_zeros_at_padded_steps():
    model = zoo.lstm_fcn((None, 2), **SMALL, num_classes=2, masking=True, mask_value=-1.0)
    _, padded = _padded_pair(2, -1.0)
    zeroed = keras.Model(model.input, model.get_layer("zero_padding_1").output)(padded)
    expected = np.where(padded == -1.0, 0.0, padded)
    np.testing.assert_allclose(_numpy(zeroed), expected)
    mask = keras.Model(model.input, model.get_layer("step_mask").output)(padded)
    assert _numpy(mask).tolist() == [[True] * 6 + [False] * 5, [True] * 11]


def test_masked_fixed_length_dimension_shuffle_reads_padding_as_zeros():
    model = zoo.lstm_fcn(
        (11, 2), **SMALL, num_classes=2, dimension_shuffle=True, masking=True, mask_value=-1.0
    )
    _, padded = _padded_pair(2, -1.0)
    zeros = np.where(padded == -1.0, 0.0, padded).astype("float32")
    branch = keras.Model(model.input, model.get_layer("dimension_shuffle").output)
    np.testing.assert_allclose(_numpy(branch(padded)), np.transpose(zeros, (0, 2, 1)))


# === The family's layers ===


def test_squeeze_excite_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 6)).astype("float32")
    layer = zoo.layers.SqueezeExcite(reduction=3)
    layer.build(x.shape)
    w1 = rng.normal(size=(6, 2)).astype("float32")
    w2 = rng.normal(size=(2, 6)).astype("float32")
    layer.set_weights([w1, w2])

    def numpy_se(x, steps):
        squeezed = x[:, :steps].mean(axis=1)
        gates = _sigmoid(np.maximum(squeezed @ w1, 0.0) @ w2)
        return x * gates[:, None, :]

    np.testing.assert_allclose(_numpy(layer(x)), numpy_se(x, 5), rtol=1e-5, atol=1e-6)
    mask = np.array([[True] * 3 + [False] * 2] * 2)
    np.testing.assert_allclose(_numpy(layer(x, mask=mask)), numpy_se(x, 3), rtol=1e-5, atol=1e-6)
    # a gate is the same at every step: a hand-checked value of one channel
    gates = _numpy(layer(x)) / x
    np.testing.assert_allclose(gates[0, 0], gates[0, 4], rtol=1e-5)
    assert 0.0 < gates.min() and gates.max() < 1.0


def test_attention_pooling_weights_sum_to_one_and_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 4)).astype("float32")
    layer = zoo.layers.AttentionPooling(units=5)
    layer.build(x.shape)
    kernel, bias, score_kernel = (rng.normal(size=w.shape).astype("float32") for w in layer.weights)
    layer.set_weights([kernel, bias, score_kernel])
    pooled, weights = layer(x, return_attention_scores=True)
    pooled, weights = _numpy(pooled), _numpy(weights)
    np.testing.assert_allclose(weights.sum(-1), np.ones(3), atol=1e-6)
    expected_weights = _softmax((np.tanh(x @ kernel + bias) @ score_kernel)[..., 0])
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pooled, np.einsum("bt,btf->bf", weights, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_numpy(layer(x)), pooled, rtol=1e-6)

    mask = np.arange(7)[None, :] < np.array([[7], [4], [1]])
    pooled, weights = (_numpy(t) for t in layer(x, mask=mask, return_attention_scores=True))
    np.testing.assert_allclose(weights.sum(-1), np.ones(3), atol=1e-6)
    assert np.all(weights[~mask] == 0.0)
    np.testing.assert_allclose(weights[2, 0], 1.0)  # one real step takes all the weight
    np.testing.assert_allclose(pooled[2], x[2, 0], rtol=1e-6)
    # the real steps share the weight as they did unmasked, renormalized
    real = expected_weights[1, :4]
    np.testing.assert_allclose(weights[1, :4], real / real.sum(), rtol=1e-5)


def test_attention_model_pools_every_lstm_step():
    model = zoo.lstm_fcn((9, 2), **SMALL, num_classes=2, attention=True)
    assert model.get_layer("lstm").return_sequences
    assert model.get_layer("lstm_dropout").input is model.get_layer("attention").output
    assert model.get_layer("attention").output.shape == (None, 4)


def test_step_mask_matches_keras_masking():
    x = np.array([[[1.0, -1.0], [-1.0, -1.0], [0.0, -1.0]]], "float32")
    keras_mask = keras.layers.Masking(mask_value=-1.0).compute_mask(x)
    got = zoo.layers.StepMask(mask_value=-1.0)(x)
    assert _numpy(got).tolist() == _numpy(keras_mask).tolist() == [[True, False, True]]


@pytest.mark.parametrize(
    "layer",
    [
        zoo.layers.AttentionPooling(units=6),
        zoo.layers.SqueezeExcite(reduction=3),
        zoo.layers.StepMask(mask_value=-2.5),
        zoo.layers.ZeroMaskedSteps(),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_layers_serialize_under_zoo(layer):
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"] == f"zoo>{type(layer).__name__}"
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()


# === Arguments ===

BAD_ARGUMENTS = [
    ("lstm_fcn", dict(input_shape=(10,)), r"`input_shape`.*Received: input_shape=\(10,\)"),
    ("lstm_fcn", dict(units=0), r"`units`.*>= 1.*Received: units=0"),
    ("lstm_fcn", dict(filters=()), r"`filters`.*non-empty.*Received: filters=\(\)"),
    ("lstm_fcn", dict(filters=(8, 0, 8)), r"`filters`.*Received: filters=\(8, 0, 8\)"),
    ("mlstm_fcn", dict(kernel_sizes=(8, -5, 3)), r"`kernel_sizes`.*Received: kernel_sizes="),
    (
        "lstm_fcn",
        dict(kernel_sizes=(8, 5)),
        r"Expected `kernel_sizes` to have one entry per filter \(3\)\. "
        r"Received: kernel_sizes=\(8, 5\) for filters=\(128, 256, 128\)",
    ),
    ("mlstm_fcn", dict(reduction=0), r"`reduction`.*>= 1.*Received: reduction=0"),
    ("lstm_fcn", dict(num_classes=None), r"`num_classes`.*>= 2.*Received: num_classes=None"),
    ("mlstm_fcn", dict(num_classes=1), r"`num_classes`.*>= 2.*Received: num_classes=1"),
    ("lstm_fcn", dict(head="softmax"), r"`head`.*one of.*Received: head='softmax'"),
    ("lstm_fcn", dict(head="regression", num_outputs=0), r"Received: num_outputs=0"),
    ("lstm_fcn", dict(dropout=1.0), r"`dropout`.*\[0, 1\).*Received: dropout=1.0"),
    (
        "lstm_fcn",
        dict(dimension_shuffle="yes"),
        r"Expected `dimension_shuffle` to be a bool\. Received: dimension_shuffle='yes'",
    ),
    ("mlstm_fcn", dict(attention=1), r"`attention` to be a bool\. Received: attention=1"),
    ("lstm_fcn", dict(masking=None), r"`masking` to be a bool\. Received: masking=None"),
    (
        "lstm_fcn",
        dict(mask_value="pad"),
        r"Expected `mask_value` to be a number\. Received: mask_value='pad'",
    ),
    (
        "mlstm_fcn",
        dict(input_shape=(None, 3), dimension_shuffle=True, masking=True),
        r"Expected a fixed number of timesteps with `dimension_shuffle=True`.*"
        r"Received: dimension_shuffle=True, input_shape=\(None, 3\)",
    ),
]


@pytest.mark.parametrize("builder, override, message", BAD_ARGUMENTS)
def test_bad_arguments_raise_before_building(builder, override, message, monkeypatch):
    monkeypatch.setattr(keras, "Input", lambda *a, **k: pytest.fail("model built"))
    kwargs = dict(input_shape=(10, 3), num_classes=3)
    kwargs.update(override)
    with pytest.raises(InputError, match=message):
        zoo.get_model(builder, **kwargs)
