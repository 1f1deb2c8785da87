"""zoo.sklearn: estimators that take 3-D sequence arrays, in scikit-learn's own tools."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from zoo.sklearn import LSTMAutoencoder


def waves(n=300, timesteps=12, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    t = np.arange(timesteps)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    x = np.sin(np.array([0.2, 0.6, 1.2])[y][:, None] * t + phase)
    return x.astype("float32"), y


def test_autoencoder_params_clone_and_unfitted_error():
    model = LSTMAutoencoder(latent_dim=4, epochs=3)
    assert model.get_params()["latent_dim"] == 4
    copy = clone(model).set_params(latent_dim=6)
    assert copy.latent_dim == 6 and model.latent_dim == 4
    with pytest.raises(NotFittedError, match="LSTMAutoencoder instance is not fitted yet"):
        model.transform(np.zeros((2, 5, 1)))
    with pytest.raises(ValueError, match=r"Received: X with shape \(2, 5, 1, 1\)"):
        model.fit(np.zeros((2, 5, 1, 1)))


def test_autoencoder_in_a_pipeline_beats_chance_and_pickles(tmp_path):
    x, y = waves()
    encoder = LSTMAutoencoder(
        latent_dim=8, encoder_units=32, decoder_units=32, epochs=30, batch_size=16, random_state=0
    )
    pipe = make_pipeline(encoder, StandardScaler(), LogisticRegression(max_iter=1000))
    pipe.fit(x[:240], y[:240])  # 2-D input: univariate series
    assert pipe.score(x[240:], y[240:]) > 0.7  # three balanced classes: chance is about 0.33
    fitted = pipe.steps[0][1]
    assert fitted.n_features_in_ == 1 and fitted.n_timesteps_in_ == 12
    assert fitted.loss_curve_[-1] < 0.5 * fitted.loss_curve_[0]
    latent = fitted.transform(x[240:])
    assert latent.shape == (60, 8)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.transform(x[240:]), latent, atol=1e-6)
    with pytest.raises(ValueError, match="Expected `X` with 12 timesteps and 1 features"):
        fitted.transform(x[:, :5])
