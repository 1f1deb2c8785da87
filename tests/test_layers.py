"""`zoo.layers.LSTM` against the gate equations written in NumPy, and against Keras."""

import keras
import numpy as np
import pytest

import zoo


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_lstm(x, kernel, recurrent_kernel, bias, mask=None, go_backwards=False):
    """The LSTM of Hochreiter and Schmidhuber with a forget gate, step by step.

    Gates in Keras's weight layout order: input, forget, candidate, output.
    A masked step keeps the previous state and repeats the previous output.
    Returns every step's output (in processing order) and the final h and c.
    """
    batch, timesteps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    mask = np.ones((batch, timesteps), bool) if mask is None else mask
    steps = range(timesteps - 1, -1, -1) if go_backwards else range(timesteps)
    outputs = []
    for t in steps:
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units : 2 * units])
        g = np.tanh(z[:, 2 * units : 3 * units])
        o = sigmoid(z[:, 3 * units :])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        keep = mask[:, t : t + 1]
        c = np.where(keep, c_new, c)
        h = np.where(keep, h_new, h)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def _layer_with_weights(units, features, seed, **kwargs):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.5, size=(features, 4 * units)).astype("float32")
    recurrent = rng.normal(scale=0.5, size=(units, 4 * units)).astype("float32")
    bias = rng.normal(scale=0.5, size=(4 * units,)).astype("float32")
    layer = zoo.layers.LSTM(units, **kwargs)
    layer.build((None, None, features))
    layer.set_weights([kernel, recurrent, bias])
    return layer, (kernel, recurrent, bias)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("use_mask", [False, True])
def test_matches_numpy_gate_equations(go_backwards, use_mask):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 9, 4)).astype("float32")
    mask = None
    if use_mask:  # right-padded sequences of lengths 9, 5 and 1
        mask = np.arange(9)[None, :] < np.array([9, 5, 1])[:, None]
    layer, weights = _layer_with_weights(
        6,
        4,
        seed=3,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
    )
    outputs, h, c = layer(x, mask=mask)
    want_outputs, want_h, want_c = numpy_lstm(x, *weights, mask=mask, go_backwards=go_backwards)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h), want_h, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), want_c, atol=1e-5)
    got = keras.ops.convert_to_numpy(outputs)
    if use_mask:  # Keras zeroes no outputs; masked steps repeat the last output
        np.testing.assert_allclose(
            got[mask] if not go_backwards else got[mask[:, ::-1]],
            want_outputs[mask] if not go_backwards else want_outputs[mask[:, ::-1]],
            atol=1e-5,
        )
    else:
        np.testing.assert_allclose(got, want_outputs, atol=1e-5)


def test_fixed_numbers_with_constant_weights():
    # Fixed expected numbers (step 1 by hand: i=f=o=sigmoid(0.1), g=tanh(0.1),
    # c=i*g, h=o*tanh(c)=0.0274438), so drift in any backend shows here.
    layer = zoo.layers.LSTM(
        2,
        kernel_initializer=keras.initializers.Constant(0.1),
        recurrent_initializer=keras.initializers.Constant(0.2),
        bias_initializer="zeros",
        unit_forget_bias=False,
        return_sequences=True,
    )
    x = np.array([[[1.0], [2.0], [-1.0]]], "float32")
    got = keras.ops.convert_to_numpy(layer(x))[0, :, 0]
    kernel = np.full((1, 8), 0.1)
    recurrent = np.full((2, 8), 0.2)
    want = numpy_lstm(x.astype("float64"), kernel, recurrent, np.zeros(8))[0][0, :, 0]
    np.testing.assert_allclose(got, want, atol=1e-6)
    np.testing.assert_allclose(got, [0.0274438, 0.0789067, 0.0175880], atol=1e-6)


def test_same_numbers_as_keras_lstm():
    x = np.random.default_rng(0).normal(size=(4, 11, 3)).astype("float32")
    ours, _ = _layer_with_weights(5, 3, seed=1, return_sequences=True)
    theirs = keras.layers.LSTM(5, return_sequences=True)
    theirs.build((None, None, 3))
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x)),
        keras.ops.convert_to_numpy(theirs(x)),
        atol=1e-6,
    )


def test_registered_and_serializable():
    assert keras.saving.get_registered_name(zoo.layers.LSTM) == "zoo>LSTM"
    layer = zoo.layers.LSTM(3, dropout=0.2, go_backwards=True, return_sequences=True)
    config = layer.get_config()
    clone = zoo.layers.LSTM.from_config(config)
    assert clone.get_config() == config
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(revived) is zoo.layers.LSTM and revived.go_backwards


def test_recurrent_dropout_changes_training_but_not_inference():
    x = np.ones((2, 5, 3), "float32")
    layer, _ = _layer_with_weights(4, 3, seed=2, recurrent_dropout=0.5)
    inference = keras.ops.convert_to_numpy(layer(x, training=False))
    np.testing.assert_allclose(inference, keras.ops.convert_to_numpy(layer(x)), atol=1e-6)
    assert not np.allclose(keras.ops.convert_to_numpy(layer(x, training=True)), inference)
