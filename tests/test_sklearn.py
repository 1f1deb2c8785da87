"""zoo.sklearn: estimators that take 3-D sequence arrays, in scikit-learn's own tools.

scikit-learn's estimator checks (`test_scikit_learn_estimator_checks`) run in
the torch suite only. They test the estimators' own code (parameters, input
validation, errors, tags, pickling), which is the same on every backend, and
they are slow: measured on 2 shared CPU cores, about 9 minutes on torch under
load and 5 minutes on jax. Off torch, two checks also fail on numbers rather
than code: on jax, LSTMRegressor misses check_regressors_train's R^2 bar with
the checks' tiny training budget, and check_methods_sample_order_invariance
differs at 1e-7 (BLAS picks float32 kernels by batch). Marking those per
backend would make the expected-failure list depend on the backend, so the
skip prints SKIP_REASON instead. Fitting, predicting, saving, pickling, grid
search and pipelines run on every backend in the other tests.
"""

import functools
import json
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
from sklearn.utils.estimator_checks import estimator_checks_generator

from tests.sklearn_expected_failures import EXPECTED_FAILED_CHECKS
from zoo._errors import InputError
from zoo.sklearn import (
    LSTMAutoencoder,
    LSTMClassifier,
    LSTMRegressor,
    SequenceScaler,
)

# Small enough for scikit-learn's checks to run in seconds, big enough to pass
# their accuracy (> 0.83) and R^2 (> 0.5) bars.
CHECKED = {"units": 16, "epochs": 30, "batch_size": 32, "learning_rate": 0.03, "random_state": 0}


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
    with pytest.raises(ValueError, match="X has 5 timesteps, but LSTMAutoencoder was fitted on 12"):
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


CHECKS_BACKEND = "torch"
SKIP_REASON = (
    "scikit-learn's estimator checks run in the torch suite only: they take 5 to 9 "
    "minutes per backend on 2 shared CPU cores, and off torch two of them fail on "
    "numbers, not on the estimators' code (on jax: check_regressors_train's R^2 bar "
    "with the checks' tiny training budget, and float32 sample-order invariance at "
    "1e-7); fitting, predicting, saving and pickling run on every backend below"
)
CHECKED_ESTIMATORS = [
    SequenceScaler(),
    LSTMClassifier(**CHECKED),
    LSTMRegressor(**CHECKED, validation_fraction=0.0),
]


def _check_id(check):
    """`check_name(keyword=value)`, as scikit-learn names a check."""
    keywords = {}
    while isinstance(check, functools.partial):
        keywords = {**check.keywords, **keywords}
        check = check.func
    arguments = ", ".join(f"{key}={value}" for key, value in keywords.items())
    return f"{check.__name__}({arguments})" if arguments else check.__name__


def _check_name(check):
    while isinstance(check, functools.partial):
        check = check.func
    return check.__name__


def _estimator_checks(estimators):
    """scikit-learn's checks as pytest params; the expected failures are
    marked `xfail(strict=True, raises=...)`, one check and one reason each."""
    params = []
    for estimator in estimators:
        name = type(estimator).__name__
        expected = EXPECTED_FAILED_CHECKS[name]
        for checked, check in estimator_checks_generator(estimator, legacy=True):
            marks = ()
            failure = expected.get(_check_name(check))
            if failure is not None:
                marks = pytest.mark.xfail(strict=True, raises=failure.raises, reason=failure.reason)
            params.append(
                pytest.param(checked, check, marks=marks, id=f"{name}-{_check_id(check)}")
            )
    return params


@pytest.mark.parametrize("estimator, check", _estimator_checks(CHECKED_ESTIMATORS))
def test_scikit_learn_estimator_checks(estimator, check):
    if keras.backend.backend() != CHECKS_BACKEND:
        pytest.skip(SKIP_REASON)
    check(estimator)


def test_expected_failures_name_checks_that_run():
    """A misspelt or retired check name in EXPECTED_FAILED_CHECKS would mark nothing."""
    for estimator in CHECKED_ESTIMATORS:
        names = {_check_name(check) for _, check in estimator_checks_generator(estimator)}
        listed = set(EXPECTED_FAILED_CHECKS[type(estimator).__name__])
        assert listed <= names, listed - names


def test_classifier_decodes_labels_and_pickles():
    x, names, _ = labelled_waves()
    clf = LSTMClassifier(units=16, epochs=60, batch_size=32, learning_rate=0.01, random_state=0)
    assert clf.fit(x[:120], names[:120]) is clf
    assert list(clf.classes_) == ["fast", "medium", "slow"]
    assert clf.n_features_in_ == 3 and clf.n_timesteps_in_ == 12
    assert 1 <= clf.n_iter_ <= 60 and len(clf.history_["val_loss"]) == clf.n_iter_
    assert clf.n_steps_ == 4 * clf.n_iter_  # 108 training cases in batches of 32
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
    reg = LSTMRegressor(units=16, epochs=60, batch_size=32, learning_rate=0.01, random_state=0)
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
    fitted = LSTMClassifier(
        units=4, epochs=np.int64(1), batch_size=np.int64(8), max_steps=np.int64(50)
    ).fit(x, names)
    assert fitted.n_iter_ == 1 and fitted.n_steps_ == 5  # 36 training cases, batches of 8
    with pytest.raises(TypeError, match="unexpected keyword argument 'patience'"):
        LSTMClassifier(patience=10)  # epochs of patience became `patience_steps`
    with pytest.raises(ValueError, match=r"Expected `epochs` to be an integer >= 1"):
        LSTMRegressor(epochs=0).fit(x, target)
    with pytest.raises(ValueError, match=r"Expected `patience_steps` to be an integer >= 1"):
        LSTMRegressor(patience_steps=0).fit(x, target)
    with pytest.raises(ValueError, match=r"Expected `learning_rate` to be a finite positive"):
        LSTMRegressor(learning_rate=-1.0).fit(x, target)
    with pytest.raises(ValueError, match="X has 2 features, but LSTMClassifier is expecting 3"):
        fitted.predict(x[..., :2])
    with pytest.raises(ValueError, match="X has 5 timesteps, but LSTMClassifier was fitted on 12"):
        fitted.predict(x[:, :5])


@pytest.mark.one_backend(
    "scikit-learn's search mechanics (fit, predict and save run on every backend here)"
)
def test_grid_search_cross_validation_and_pipeline():
    x, names, _ = labelled_waves(n=120)
    x[..., 1] *= 1000.0  # a pipeline needs its scaler here
    fast = {"epochs": 25, "learning_rate": 0.01, "batch_size": 16, "random_state": 0}
    # the search's mechanics (cloning, set_params, refit) need no accuracy: 3 epochs
    pipe = make_pipeline(SequenceScaler(), LSTMClassifier(**{**fast, "epochs": 3}))
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


# === Training through zoo.training ===


def test_steps_and_epochs_cap_the_run():
    x, _, target = labelled_waves(n=40)
    # 40 cases in batches of 8: 5 steps an epoch; 7 steps take 2 epochs
    by_steps = LSTMRegressor(units=4, max_steps=7, batch_size=8, validation_fraction=0.0)
    by_steps.fit(x, target)
    assert (by_steps.n_iter_, by_steps.n_steps_) == (2, 10)
    by_epochs = LSTMRegressor(units=4, epochs=3, batch_size=8, validation_fraction=0.0)
    by_epochs.fit(x, target)
    assert (by_epochs.n_iter_, by_epochs.n_steps_) == (3, 15)
    # no epoch cap, no batch size: a tenth of the set (4), 10 steps an epoch
    default = LSTMRegressor(units=4, max_steps=20, min_steps=10, validation_fraction=0.0)
    assert default.fit(x, target).n_steps_ == 20 and default.n_iter_ == 2
    rates = by_epochs.history_["learning_rate"]
    assert len(rates) == 3 and rates[0] == pytest.approx(1e-3, rel=0.05)  # warm-up: 1 step
    assert rates[-1] < rates[0]  # the cosine over the 15-step budget


def test_early_stopping_counts_steps_after_the_best_validation_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 6, 2)).astype("float32")
    y = rng.integers(0, 2, size=80)  # noise: the validation loss soon rises
    clf = LSTMClassifier(
        units=32,
        learning_rate=0.02,
        batch_size=8,
        max_steps=2000,
        min_steps=20,
        patience_steps=30,
        validation_fraction=0.25,
        random_state=0,
    ).fit(x, y)
    per_epoch = 8  # 60 training cases in batches of 8
    best_step = per_epoch * (int(np.argmin(clf.history_["val_loss"])) + 1)
    assert clf.n_steps_ == per_epoch * clf.n_iter_ < 2000
    assert clf.n_steps_ >= 20
    assert 30 <= clf.n_steps_ - best_step < 30 + per_epoch  # stopped at the first chance


# === Feature counts (what check_n_features_in_after_fitting cannot test on 3-D input) ===


@pytest.fixture(scope="module")
def fitted_on_three_features():
    x, names, target = labelled_waves(n=40)
    fast = {"epochs": 1, "random_state": 0}
    return (
        x,
        {
            "classifier": LSTMClassifier(units=4, **fast).fit(x, names),
            "regressor": LSTMRegressor(units=4, **fast).fit(x, target),
            "autoencoder": LSTMAutoencoder(
                latent_dim=2, encoder_units=4, decoder_units=4, **fast
            ).fit(x),
            "scaler": SequenceScaler().fit(x),
        },
        names,
        target,
    )


@pytest.mark.parametrize(
    "estimator, method",
    [
        ("classifier", "predict"),
        ("classifier", "predict_proba"),
        ("classifier", "score"),
        ("regressor", "predict"),
        ("regressor", "score"),
        ("autoencoder", "transform"),
        ("autoencoder", "reconstruct"),
        ("scaler", "transform"),
        ("scaler", "inverse_transform"),
    ],
)
def test_feature_count_mismatch_names_both_counts(fitted_on_three_features, estimator, method):
    x, fitted, names, target = fitted_on_three_features
    fitted = fitted[estimator]
    name = type(fitted).__name__
    assert fitted.n_features_in_ == 3
    extra = {"classifier": (names,), "regressor": (target,)}.get(estimator, ())
    extra = extra if method == "score" else ()
    for columns, given in ((slice(0, 2), 2), (slice(0, 1), 1)):
        with pytest.raises(ValueError, match=f"X has {given} features, but {name} is expecting 3"):
            getattr(fitted, method)(x[..., columns], *extra)
    with pytest.raises(ValueError, match=f"X has 1 features, but {name} is expecting 3"):
        getattr(fitted, method)(x[..., 0], *extra)  # 2-D: univariate series


# === Saving without pickle ===


def test_classifier_saves_and_loads_without_pickle(tmp_path):
    x, names, _ = labelled_waves(n=60)
    clf = LSTMClassifier(units=8, epochs=5, batch_size=16, random_state=0).fit(x, names)
    clf.save(tmp_path / "clf")
    assert sorted(p.name for p in (tmp_path / "clf").iterdir()) == [
        "estimator.json",
        "model.keras",
    ]
    again = LSTMClassifier.load(tmp_path / "clf")
    assert again.get_params() == clf.get_params()
    np.testing.assert_array_equal(again.classes_, clf.classes_)
    assert again.classes_.dtype == clf.classes_.dtype
    np.testing.assert_allclose(again.predict_proba(x), clf.predict_proba(x), atol=1e-6)
    np.testing.assert_array_equal(again.predict(x), clf.predict(x))
    assert (again.n_features_in_, again.n_timesteps_in_) == (3, 12)
    assert (again.n_iter_, again.n_steps_) == (clf.n_iter_, clf.n_steps_) == (5, 20)  # 54 / 16
    assert again.history_ == clf.history_  # JSON keeps Python floats exactly
    # integer labels keep their dtype too, and a loaded estimator pickles
    numbers = LSTMClassifier(units=4, epochs=1).fit(x, np.repeat([3, 7, 9], 20))
    numbers.save(tmp_path / "numbers")
    loaded = pickle.loads(pickle.dumps(LSTMClassifier.load(tmp_path / "numbers")))
    assert loaded.classes_.tolist() == [3, 7, 9] and loaded.classes_.dtype == np.int64
    np.testing.assert_array_equal(loaded.predict(x), numbers.predict(x))


def test_regressor_and_autoencoder_save_and_load(tmp_path):
    x, _, target = labelled_waves(n=40)
    both = np.stack([target, -2.0 * target + 100.0], axis=1)
    reg = LSTMRegressor(model="stacked_lstm", units=(4, 4), epochs=2, random_state=0)
    reg.fit(x, both).save(tmp_path / "reg")
    again = LSTMRegressor.load(tmp_path / "reg")
    assert again.units == (4, 4)  # JSON lists come back as the tuples given
    np.testing.assert_allclose(again.predict(x), reg.predict(x), rtol=1e-5, atol=1e-4)
    assert again.predict(x).shape == (40, 2)
    one = LSTMRegressor(units=4, epochs=1).fit(x, target)
    one.save(tmp_path / "one")
    np.testing.assert_allclose(LSTMRegressor.load(tmp_path / "one").predict(x), one.predict(x))
    ae = LSTMAutoencoder(latent_dim=3, encoder_units=4, decoder_units=4, epochs=2).fit(x)
    ae.save(tmp_path / "ae")
    loaded = LSTMAutoencoder.load(tmp_path / "ae")
    np.testing.assert_allclose(loaded.transform(x), ae.transform(x), atol=1e-6)
    assert loaded.transform(x).shape == (40, 3)
    assert loaded.loss_curve_ == pytest.approx(ae.loss_curve_)


def _tamper(entries, key_path, value):
    node = entries
    for key in key_path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[key_path[-1]]
    else:
        node[key_path[-1]] = value


_DELETE = object()


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    x, names, _ = labelled_waves(n=30)
    folder = tmp_path_factory.mktemp("saved") / "clf"
    LSTMClassifier(units=4, epochs=1).fit(x, names).save(folder)
    return folder


@pytest.mark.parametrize(
    "key_path, value, message",
    [
        (("class",), "LSTMRegressor", "holds a 'LSTMRegressor', not a 'LSTMClassifier'"),
        (("format",), "pickle", r"expected `format` to be 'zoo.sklearn.estimator/1'"),
        (("params", "__class__"), "os.system", r"expected `params` to hold exactly"),
        (("params", "units"), _DELETE, r"expected `params` to hold exactly"),
        (("params", "model"), "os.system", r"params: Expected `model` to be one of"),
        (("params", "epochs"), {"$ref": 1}, r"`params.epochs` to be a number, string"),
        (("params", "max_steps"), -5, r"params: Expected `max_steps` to be an integer >= 1"),
        (("fitted", "n_features_in_"), "3", r"`fitted.n_features_in_` to be an integer >= 1"),
        (("fitted", "n_features_in_"), 4, r"says 12 timesteps and 4 features, but the model"),
        (("fitted", "classes_", "values"), ["a", "b", "c", "d"], "says 4 outputs"),
        (("fitted", "classes_", "values"), ["slow", "fast", "medium"], "sorted and unique"),
        (("fitted", "classes_", "dtype"), "O", r"`fitted.classes_.dtype` to be a NumPy string"),
        (("fitted", "classes_", "dtype"), "not a dtype", r"`fitted.classes_.dtype`"),
        (("fitted", "classes_", "dtype"), "<U1000000000", r"`fitted.classes_.dtype`"),
        (("fitted", "history_"), _DELETE, r"`fitted.history_` is missing"),
    ],
)
def test_load_refuses_a_tampered_json(saved_classifier, tmp_path, key_path, value, message):
    folder = tmp_path / "clf"
    folder.mkdir()
    (folder / "model.keras").write_bytes((saved_classifier / "model.keras").read_bytes())
    entries = json.loads((saved_classifier / "estimator.json").read_text())
    _tamper(entries, key_path, value)
    (folder / "estimator.json").write_text(json.dumps(entries))
    with pytest.raises(InputError, match=message) as error:
        LSTMClassifier.load(folder)
    assert str(error.value).startswith(str(folder / "estimator.json"))


def test_load_refuses_what_is_not_a_saved_estimator(saved_classifier, tmp_path):
    with pytest.raises(InputError, match="no estimator.json; expected a folder written by"):
        LSTMClassifier.load(tmp_path)
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "model.keras").write_bytes((saved_classifier / "model.keras").read_bytes())
    (folder / "estimator.json").write_text("{not json")
    with pytest.raises(InputError, match=r"estimator.json: not valid JSON"):
        LSTMClassifier.load(folder)
    (folder / "estimator.json").write_text((saved_classifier / "estimator.json").read_text())
    (folder / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"model.keras: Keras could not load it in safe mode"):
        LSTMClassifier.load(folder)
    x, _, target = labelled_waves(n=20)
    regressor = LSTMRegressor(units=2, epochs=1).fit(x, target)
    regressor.set_params(random_state=np.random.RandomState(0))
    with pytest.raises(TypeError, match="Can't save `random_state`=RandomState"):
        regressor.save(tmp_path / "never")
