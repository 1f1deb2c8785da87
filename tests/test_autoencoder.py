"""zoo.lstm_autoencoder: the encoder, reversal, conditioning and argument checks.

Shapes, training and save/load of every variant run through the shared check
(tests/cases.py); these tests pin down what is particular to the family.
"""

import keras
import numpy as np
import pytest

import zoo

X = np.random.default_rng(0).normal(size=(6, 7, 2)).astype("float32")
FUTURE = np.random.default_rng(1).normal(size=(6, 3, 2)).astype("float32")


def build(**kwargs):
    keras.utils.set_random_seed(0)
    options = dict(latent_dim=4, encoder_units=8, decoder_units=8)
    return zoo.lstm_autoencoder((7, 2), **{**options, **kwargs})


def test_encoder_maps_a_sequence_to_the_latent_vector_after_reload(tmp_path):
    model = build(future_steps=3)
    encoder = model.get_layer("encoder")
    latent = encoder.predict(X, verbose=0)
    assert latent.shape == (6, 4)
    model.save(tmp_path / "ae.keras")
    again = keras.saving.load_model(tmp_path / "ae.keras", safe_mode=True)
    np.testing.assert_allclose(again.get_layer("encoder").predict(X, verbose=0), latent, atol=1e-6)


@pytest.mark.parametrize("reverse", [True, False])
def test_reconstruction_is_decoded_in_reversed_order(reverse):
    model = build(reverse=reverse)
    latent = model.get_layer("encoder")(X)
    produced = keras.ops.convert_to_numpy(model.get_layer("reconstruction_decoder")(latent))
    output = keras.ops.convert_to_numpy(model(X))
    # the decoder's first step is the input's last one when reversed
    expected = produced[:, ::-1] if reverse else produced
    np.testing.assert_allclose(output, expected, atol=1e-6)
    if reverse:
        assert not np.allclose(output, produced, atol=1e-3)


def test_conditional_training_reads_the_reversed_true_sequence():
    model = build(conditional=True, reverse=True)
    decoder = model.get_layer("reconstruction_decoder")
    latent = model.get_layer("encoder")(X, training=True)
    teacher = X[:, ::-1]
    by_hand = keras.ops.convert_to_numpy(decoder(latent, teacher, training=True))
    output = keras.ops.convert_to_numpy(model(X, training=True))
    np.testing.assert_allclose(output, by_hand[:, ::-1], atol=1e-6)


def test_conditional_inference_does_not_see_the_true_sequence():
    model = build(conditional=True, future_steps=3)
    real = model.predict({"sequence": X, "true_future": FUTURE}, verbose=0)
    zeros = model.predict({"sequence": X, "true_future": np.zeros_like(FUTURE)}, verbose=0)
    for key in ("reconstruction", "future"):
        np.testing.assert_array_equal(real[key], zeros[key])
    # while training, the teacher is read: the same call differs
    trained_real = model({"sequence": X, "true_future": FUTURE}, training=True)
    trained_zeros = model({"sequence": X, "true_future": 0 * FUTURE}, training=True)
    assert not np.allclose(
        keras.ops.convert_to_numpy(trained_real["future"]),
        keras.ops.convert_to_numpy(trained_zeros["future"]),
    )
    # (the decoder alone at inference: test_inference_feeds_the_decoder_its_own_outputs)


def test_inference_feeds_the_decoder_its_own_outputs():
    """Teacher-forced on its own autoregressive outputs (the decoder shifts its
    teacher one step: step t reads step t-1), a conditional decoder reproduces
    them: at inference each step read the previous step's output, not the
    teacher it was given. A decoder fed zeros or the teacher at inference
    would fail this."""
    model = build(conditional=True, decoder_units=(8, 8))
    rng = np.random.default_rng(2)  # weights large enough that each step's input matters
    model.set_weights([rng.normal(scale=0.5, size=w.shape) for w in model.get_weights()])
    latent = model.get_layer("encoder")(X)
    decoder = model.get_layer("reconstruction_decoder")
    produced = keras.ops.convert_to_numpy(decoder(latent, X[:, ::-1], training=False))
    forced = keras.ops.convert_to_numpy(decoder(latent, produced, training=True))
    np.testing.assert_allclose(forced, produced, atol=1e-5)
    # the check has teeth: teacher-forced on zeros, the outputs differ
    zeros = keras.ops.convert_to_numpy(decoder(latent, 0 * produced, training=True))
    assert np.abs(zeros - produced).max() > 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(input_shape=(None, 2)), "needs a fixed number of timesteps"),
        (dict(input_shape=(7, 2), latent_dim=0), "Received: latent_dim=0"),
        (dict(input_shape=(7, 2), encoder_units=()), "encoder_units"),
        (dict(input_shape=(7, 2), decoder_units=(8, -1)), "decoder_units"),
        (dict(input_shape=(7, 2), future_steps=-1), "Received: future_steps=-1"),
        (dict(input_shape=(7, 2), conditional="yes"), "Received: conditional='yes'"),
        (dict(input_shape=(7, 2), dropout=1.0), "Received: dropout=1.0"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        zoo.lstm_autoencoder(**kwargs)
