"""zoo.sklearn: estimators that take 3-D sequence arrays, in scikit-learn's own tools."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from zoo.sklearn import (
    EXPECTED_FAILED_CHECKS,
    LSTMAutoencoder,
    LSTMClassifier,
    LSTMRegressor,
    SequenceScaler,
)

# Small enough for scikit-learn's checks to run in seconds, big enough to pass
# their accuracy (> 0.83) and R^2 (> 0.5) bars.
CHECKED = {"units": 16, "epochs": 30, "learning_rate": 0.03, "random_state": 0}


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


# === LSTMClassifier, LSTMRegressor, SequenceScaler ===


def labelled_waves(n=160, seed=0):
    """Three-feature sequences whose class (a string) sets their frequency, on
    features of very different scales; and a regression target per sequence."""
    x, y = waves(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    x = np.stack([x, 100.0 * x + 50.0, rng.normal(size=x.shape)], axis=-1).astype("float32")
    names = np.array(["slow", "medium", "fast"])[y]
    target = np.array([0.2, 0.6, 1.2])[y] * 10.0 + 3.0  # the frequency, in other units
    return x, names, target


@parametrize_with_checks(
    [
        SequenceScaler(),
        LSTMClassifier(**CHECKED),
        LSTMRegressor(**CHECKED, validation_fraction=0.0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_scikit_learn_estimator_checks(estimator, check):
    """scikit-learn's checks run once, in the torch suite (the fastest to fit):
    what they test (parameters, input validation, errors, tags, pickling) is the
    estimators' own code, the same on every backend; fitting, predicting,
    pickling, grid search and pipelines run on every backend in the tests below."""
    if keras.backend.backend() != "torch":
        pytest.skip("scikit-learn's estimator checks run once, in the torch suite")
    check(estimator)


def test_classifier_decodes_labels_and_pickles():
    x, names, _ = labelled_waves()
    clf = LSTMClassifier(units=16, epochs=60, learning_rate=0.01, random_state=0)
    assert clf.fit(x[:120], names[:120]) is clf
    assert list(clf.classes_) == ["fast", "medium", "slow"]
    assert clf.n_features_in_ == 3 and clf.n_timesteps_in_ == 12
    assert 1 <= clf.n_iter_ <= 60 and len(clf.history_["val_loss"]) == clf.n_iter_
    proba = clf.predict_proba(x[120:])
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    predicted = clf.predict(x[120:])
    assert predicted.dtype == names.dtype
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(x[120:], names[120:]) > 0.8  # chance is about 0.33
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(x[120:]), proba, atol=1e-6)
    np.testing.assert_array_equal(again.predict(x[120:]), predicted)


def test_regressor_fits_one_and_several_targets_in_their_units():
    x, _, target = labelled_waves()
    reg = LSTMRegressor(units=16, epochs=60, learning_rate=0.01, random_state=0)
    predicted = reg.fit(x[:120], target[:120]).predict(x[120:])
    assert predicted.shape == (40,)
    assert reg.score(x[120:], target[120:]) > 0.8
    assert abs(predicted.mean() - target[120:].mean()) < 1.0  # unscaled: same units as y
    both = np.stack([target, -2.0 * target], axis=1)
    two = LSTMRegressor(units=8, epochs=3, validation_fraction=0.0, random_state=0)
    assert two.fit(x, both).predict(x[:5]).shape == (5, 2)
    assert two.n_iter_ == 3 and "val_loss" not in two.history_


def test_params_clone_and_errors():
    clf = LSTMClassifier(model="stacked_lstm", units=(8, 4), epochs=2)
    assert clf.get_params()["units"] == (8, 4)
    copy = clone(clf).set_params(units=(16,), bidirectional=True)
    assert copy.units == (16,) and copy.bidirectional and clf.units == (8, 4)
    x, names, target = labelled_waves(n=40)
    with pytest.raises(NotFittedError, match="LSTMClassifier instance is not fitted yet"):
        clf.predict(x)
    with pytest.raises(NotFittedError, match="LSTMRegressor instance is not fitted yet"):
        LSTMRegressor().predict(x)
    with pytest.raises(ValueError, match=r"Expected `model` to be one of \[.*'lstm'.*\]"):
        LSTMClassifier(model="lstm_autoencoder").fit(x, names)
    with pytest.raises(ValueError, match="Expected at least 2 classes"):
        LSTMClassifier(epochs=1).fit(x, np.array(["a"] * 40))
    with pytest.raises(ValueError, match=r"validation_fraction=1.5"):
        LSTMRegressor(validation_fraction=1.5).fit(x, target)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LSTMRegressor().fit(x, target[:-1])
    # A grid search may hand over NumPy integers: accepted as Python ints.
    fitted = LSTMClassifier(units=4, epochs=np.int64(1), batch_size=np.int64(8)).fit(x, names)
    assert fitted.n_iter_ == 1
    with pytest.raises(ValueError, match="X has 2 features, but LSTMClassifier is expecting 3"):
        fitted.predict(x[..., :2])
    with pytest.raises(ValueError, match="X has 5 timesteps, but LSTMClassifier was fitted on 12"):
        fitted.predict(x[:, :5])


def test_grid_search_cross_validation_and_pipeline():
    x, names, _ = labelled_waves(n=120)
    x[..., 1] *= 1000.0  # a pipeline needs its scaler here
    fast = {"epochs": 25, "learning_rate": 0.01, "batch_size": 16, "random_state": 0}
    pipe = make_pipeline(SequenceScaler(), LSTMClassifier(**fast))
    search = GridSearchCV(pipe, {"lstmclassifier__units": [4, 16]}, cv=2)
    search.fit(x, names)
    assert sorted(search.cv_results_["param_lstmclassifier__units"]) == [4, 16]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["lstmclassifier__units"] in (4, 16)
    assert search.best_estimator_.predict(x[:3]).shape == (3,)
    scores = cross_val_score(
        make_pipeline(SequenceScaler(), LSTMClassifier(units=16, **fast)),
        x,
        names,
        cv=KFold(3, shuffle=True, random_state=0),
    )
    assert scores.shape == (3,) and scores.mean() > 0.7


def test_sequence_scaler_scales_each_feature_over_time():
    x, _, _ = labelled_waves(n=40)
    scaled = SequenceScaler().fit_transform(x)
    assert scaled.shape == x.shape and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled.reshape(-1, 3).mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(scaled.reshape(-1, 3).std(axis=0), 1.0, atol=1e-4)
    # one scale per feature, shared by every step: step differences keep their ratios
    ratio = (scaled[:, 1:, 1] - scaled[:, :-1, 1]) / (x[:, 1:, 1] - x[:, :-1, 1])
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-3)
    minmax = SequenceScaler(MinMaxScaler()).fit(x)
    assert minmax.transform(x).min() == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(
        minmax.inverse_transform(minmax.transform(x)), x, rtol=1e-4, atol=1e-3
    )
    with pytest.raises(ValueError, match="Expected `scaler` to be one of"):
        SequenceScaler("robust").fit(x)
