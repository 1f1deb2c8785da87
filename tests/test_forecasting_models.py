"""zoo.losses and the forecasters (zoo.deepar, zoo.mqrnn): what the shared builder
check (tests/cases.py) does not see.

The likelihoods are checked against scipy.stats and the quantile loss against
scikit-learn on the running backend; the heads' constraints at random weights;
both builders with their own losses in a short fit and through save and load.
"""

import json

import keras
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import mean_pinball_loss

import zoo
from tests.helpers import assert_same_outputs
from zoo import losses
from zoo.models.forecasting import distribution_of, quantiles_of

DISTRIBUTIONS = sorted(losses.DISTRIBUTIONS)
QUANTILES = (0.1, 0.5, 0.9)


def random_parameters(distribution, shape, seed=0):
    """Constrained parameters `shape + (n_params,)` and targets `shape` drawn from them."""
    rng = np.random.default_rng(seed)
    if distribution == "negative_binomial":
        mu = rng.uniform(0.5, 20.0, shape)
        alpha = np.exp(rng.uniform(np.log(1e-4), np.log(2.0), shape))  # near-Poisson too
        params = np.stack([mu, alpha], -1)
    else:
        mu = rng.normal(0.0, 3.0, shape)
        sigma = rng.uniform(0.3, 3.0, shape)
        columns = [mu, sigma] + (
            [rng.uniform(2.5, 30.0, shape)] if distribution == "student_t" else []
        )
        params = np.stack(columns, -1)
    params = params.astype("float32")
    y = losses.sample(distribution, params, rng).astype("float32")
    return params, y


def scipy_log_prob(distribution, params, y):
    p = params.astype("float64")
    y = y.astype("float64")
    if distribution == "gaussian":
        return stats.norm.logpdf(y, loc=p[..., 0], scale=p[..., 1])
    if distribution == "student_t":
        return stats.t.logpdf(y, df=p[..., 2], loc=p[..., 0], scale=p[..., 1])
    mu, alpha = p[..., 0], p[..., 1]
    return stats.nbinom.logpmf(y, n=1.0 / alpha, p=1.0 / (1.0 + alpha * mu))


def value(loss, y_true, y_pred, sample_weight=None):
    return float(keras.ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=sample_weight)))


# === Losses ===


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_likelihood_matches_scipy(distribution):
    params, y = random_parameters(distribution, (6, 7))
    loss = losses.negative_log_likelihood(distribution)
    expected = -scipy_log_prob(distribution, params, y).mean()
    np.testing.assert_allclose(value(loss, y, params), expected, rtol=1e-5)
    np.testing.assert_allclose(value(loss, y[..., None], params), expected, rtol=1e-5)
    # per entry, and the NumPy helper gives the same numbers
    per_entry = losses.negative_log_likelihood(distribution, reduction="none")(y, params)
    reference = scipy_log_prob(distribution, params, y)
    np.testing.assert_allclose(-keras.ops.convert_to_numpy(per_entry), reference, rtol=1e-5)
    np.testing.assert_allclose(losses.log_prob(distribution, params, y), reference, rtol=1e-12)


def test_quantile_loss_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(5, 4)).astype("float32")
    predictions = np.sort(rng.normal(size=(5, 4, 3)), axis=-1).astype("float32")
    expected = np.mean(
        [
            mean_pinball_loss(y.ravel(), predictions[..., i].ravel(), alpha=q)
            for i, q in enumerate(QUANTILES)
        ]
    )
    loss = losses.QuantileLoss(QUANTILES)
    np.testing.assert_allclose(value(loss, y, predictions), expected, rtol=1e-5)
    np.testing.assert_allclose(value(loss, y[..., None], predictions), expected, rtol=1e-5)


@pytest.mark.parametrize("distribution", [*DISTRIBUTIONS, "quantiles"])
def test_nan_targets_are_ignored(distribution):
    if distribution == "quantiles":
        rng = np.random.default_rng(1)
        params = rng.normal(size=(4, 6, 3)).astype("float32")
        y = rng.normal(size=(4, 6)).astype("float32")
        loss = losses.QuantileLoss(QUANTILES)
    else:
        params, y = random_parameters(distribution, (4, 6), seed=1)
        loss = losses.negative_log_likelihood(distribution)
    y[0, :3] = np.nan  # a window padded at its start
    y[2, 5] = np.nan
    observed = ~np.isnan(y)
    alone = value(loss, y[observed][None], params[observed][None])
    np.testing.assert_allclose(value(loss, y, params), alone, rtol=1e-6)
    # with sample weights: weighted sum over the observed entries, over their count
    weights = np.array([1.0, 2.0, 0.5, 0.0], "float32")
    per_entry = type(loss).from_config({**loss.get_config(), "reduction": "none"})(
        np.where(observed, y, 0.0), params
    )
    per_entry = keras.ops.convert_to_numpy(per_entry)
    expected = np.sum((per_entry * weights[:, None])[observed]) / observed.sum()
    np.testing.assert_allclose(value(loss, y, params, weights), expected, rtol=1e-5)
    assert np.isfinite(value(loss, np.full_like(y, np.nan), params))


@pytest.mark.parametrize(
    "loss",
    [
        losses.StudentTLoss(),
        losses.GaussianLoss(name="g"),
        losses.NegativeBinomialLoss(reduction="sum"),
        losses.QuantileLoss((0.05, 0.5, 0.95), name="pinball"),
    ],
    ids=lambda loss: type(loss).__name__,
)
def test_loss_config_round_trip(loss):
    clone = type(loss).from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
    if isinstance(loss, losses.QuantileLoss):
        params = np.sort(np.random.default_rng(0).normal(size=(2, 3, 3)), -1).astype("float32")
        y = np.zeros((2, 3), "float32")
    else:
        params, y = random_parameters(loss.distribution, (2, 3))
    assert value(restored, y, params) == value(loss, y, params)


@pytest.mark.parametrize(
    "distribution, row",
    [
        ("gaussian", (1.5, 2.0)),
        ("student_t", (-1.0, 0.5, 8.0)),
        ("negative_binomial", (6.0, 0.3)),
    ],
)
def test_sample_and_quantile_match_scipy(distribution, row):
    n = 200_000
    params = np.tile(np.asarray(row, "float32"), (n, 1))
    draws = losses.sample(distribution, params, np.random.default_rng(0))
    assert draws.shape == (n,) and draws.dtype == np.float64
    if distribution == "gaussian":
        frozen = stats.norm(loc=row[0], scale=row[1])
    elif distribution == "student_t":
        frozen = stats.t(df=row[2], loc=row[0], scale=row[1])
    else:
        frozen = stats.nbinom(n=1 / row[1], p=1 / (1 + row[1] * row[0]))
        assert np.all(draws == np.round(draws)) and draws.min() >= 0
        np.testing.assert_allclose(frozen.var(), row[0] + row[1] * row[0] ** 2)
    mean, var = frozen.mean(), frozen.var()
    assert abs(draws.mean() - mean) < 4 * np.sqrt(var / n)
    np.testing.assert_allclose(draws.var(), var, rtol=0.03)
    levels = np.array([0.05, 0.25, 0.5, 0.9])
    expected = frozen.ppf(levels)
    got = losses.quantile(distribution, params[:3], levels)
    assert got.shape == (3, len(levels))
    np.testing.assert_allclose(got, np.broadcast_to(expected, got.shape), rtol=1e-6)
    assert losses.quantile(distribution, params[:3], 0.5).shape == (3,)
    # the empirical distribution puts each quantile where it should (ties for counts)
    tolerance = 4 * np.sqrt(levels * (1 - levels) / n)
    assert np.all(np.mean(draws[:, None] <= expected, axis=0) >= levels - tolerance)
    assert np.all(np.mean(draws[:, None] < expected, axis=0) <= levels + tolerance)


def test_loss_errors_name_the_argument():
    with pytest.raises(zoo.InputError, match=r"Expected `quantiles`.*quantiles=\(0.5, 0.1\)"):
        losses.QuantileLoss((0.5, 0.1))
    with pytest.raises(zoo.InputError, match=r"`distribution`.*distribution='poisson'"):
        losses.negative_log_likelihood("poisson")
    with pytest.raises(zoo.InputError, match=r"Expected 3 parameters"):
        losses.StudentTLoss()(np.zeros((2, 3)), np.ones((2, 3, 2)))
    with pytest.raises(zoo.InputError, match=r"one entry per quantile \(3\)"):
        losses.QuantileLoss(QUANTILES)(np.zeros((2, 3)), np.ones((2, 3, 2)))
    with pytest.raises(zoo.InputError, match=r"`q`"):
        losses.quantile("gaussian", np.ones((2, 2)), 1.5)


# === Models ===


def randomized(model, scale=2.0, seed=0):
    """Large random weights: the heads' raw values far from zero on both sides."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.normal(0.0, scale, w.shape).astype(w.dtype) for w in model.get_weights()]
    )
    return model


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_deepar_shapes_and_constraints(distribution):
    model = randomized(zoo.deepar((None, 3), units=(6, 5), distribution=distribution))
    n_params = losses.DISTRIBUTIONS[distribution]
    assert model.output_shape == (None, None, n_params)
    assert model.get_layer("distribution").dtype_policy.compute_dtype == "float32"
    assert [la.return_sequences for la in model.layers if isinstance(la, zoo.layers.LSTM)] == [
        True,
        True,
    ]
    assert distribution_of(model) == distribution
    x = np.random.default_rng(0).normal(0.0, 3.0, size=(16, 9, 3)).astype("float32")
    params = model.predict(x, verbose=0)
    assert params.shape == (16, 9, n_params) and params.dtype == np.float32
    assert np.isfinite(params).all()
    if distribution == "negative_binomial":
        assert (params > 0).all()
    else:
        assert (params[..., 1] > 0).all()
    if distribution == "student_t":
        assert (params[..., 2] > 2).all()
    assert model.predict(x[:, :4], verbose=0).shape == (16, 4, n_params)  # any length


@pytest.mark.parametrize(
    "quantiles",
    [QUANTILES, zoo.models.forecasting.DEFAULT_QUANTILES, (0.6, 0.7, 0.8), (0.1, 0.2), (0.5,)],
)
def test_mqrnn_quantiles_never_cross(quantiles):
    model = randomized(zoo.mqrnn((8, 2), horizon=4, quantiles=quantiles, units=6, head_units=(5,)))
    assert model.output_shape == (None, 4, len(quantiles))
    assert quantiles_of(model) == tuple(quantiles)
    x = np.random.default_rng(0).normal(0.0, 3.0, size=(32, 8, 2)).astype("float32")
    predicted = model.predict(x, verbose=0)
    assert predicted.dtype == np.float32 and np.isfinite(predicted).all()
    assert (np.diff(predicted, axis=-1) >= 0).all()
    # the median's column (the quantile nearest 0.5) is the raw value itself
    raw = keras.Model(model.input, model.get_layer("horizon").output).predict(x, verbose=0)
    m = int(np.argmin(np.abs(np.asarray(quantiles) - 0.5)))
    np.testing.assert_allclose(predicted[..., m], raw[..., m], rtol=1e-5, atol=1e-5)
    if len(quantiles) > 1:
        assert np.diff(predicted, axis=-1).max() > 0.1  # increments are not squashed to zero


def test_mqrnn_future_features():
    model = zoo.mqrnn((6, 2), horizon=3, quantiles=QUANTILES, future_features=2, units=5)
    assert set(model.input) == {"sequence", "future"}
    assert model.get_layer("future").output.shape == (None, 3, 2)
    rng = np.random.default_rng(0)
    x = {
        "sequence": rng.normal(size=(4, 6, 2)).astype("float32"),
        "future": rng.normal(size=(4, 3, 2)).astype("float32"),
    }
    first = model.predict(x, verbose=0)
    changed = model.predict({**x, "future": x["future"] + 1.0}, verbose=0)
    assert first.shape == (4, 3, 3)
    assert not np.allclose(first, changed, atol=1e-4)  # the known future is read


BAD_ARGUMENTS = [
    ("deepar", dict(input_shape=(10,)), r"`input_shape`"),
    ("deepar", dict(input_shape=(10, 2), units=()), r"`units`.*units=\(\)"),
    ("deepar", dict(input_shape=(10, 2), distribution="poisson"), r"`distribution`.*'poisson'"),
    ("deepar", dict(input_shape=(10, 2), dropout=1.0), r"`dropout`.*dropout=1.0"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=0), r"`horizon`.*horizon=0"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=2.5), r"`horizon`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, quantiles=(0.5, 0.1)), r"`quantiles`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, quantiles=(0.0, 0.5)), r"`quantiles`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, quantiles=(0.5, 0.5)), r"`quantiles`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, quantiles=()), r"`quantiles`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, quantiles=0.5), r"`quantiles`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, future_features=-1), r"`future_features`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, head_units=(0,)), r"`head_units`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, units=0), r"`units`"),
    ("mqrnn", dict(input_shape=(10, 2), horizon=3, dropout=-0.1), r"`dropout`"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_ARGUMENTS)
def test_bad_arguments_name_the_argument(name, kwargs, message):
    with pytest.raises(zoo.InputError, match=message):
        zoo.get_model(name, **kwargs)


def test_registered_for_forecasting():
    assert {"deepar", "mqrnn"} <= set(zoo.list_models(task="forecasting"))
    assert not {"deepar", "mqrnn"} & set(zoo.list_models(task="classification"))
    assert zoo.deepar is zoo.models.forecasting.deepar and zoo.losses is losses


# === Training and saving with their own losses ===


def ar_problem(samples=64, steps=16, seed=0, counts=False):
    """Noisy sine waves of random phase: the input is the previous value, the
    target the value now; the first two targets of every fourth window are NaN
    (a short series padded at the start)."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps + 1)
    phase = rng.uniform(0, 2 * np.pi, size=(samples, 1))
    series = np.sin(0.6 * t + phase) + 0.1 * rng.normal(size=(samples, steps + 1))
    if counts:
        series = rng.poisson(np.exp(1.0 + np.sin(0.6 * t + phase))).astype("float64")
    x = series[:, :-1, None].astype("float32")
    y = series[:, 1:].astype("float32")
    y[::4, :2] = np.nan
    if counts:
        x = np.log1p(x)
    return x, y


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_deepar_fit_lowers_its_loss_and_reloads(distribution, tmp_path):
    x, y = ar_problem(counts=distribution == "negative_binomial")
    model = zoo.deepar((None, 1), units=(8,), distribution=distribution, dropout=0.0)
    model.compile(
        optimizer=keras.optimizers.Adam(0.02), loss=losses.negative_log_likelihood(distribution)
    )
    before = model.evaluate(x, y, batch_size=64, verbose=0)
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    after = model.evaluate(x, y, batch_size=64, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert after < before - 0.1, (before, after)

    path = tmp_path / "deepar.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert distribution_of(reloaded) == distribution
    assert type(reloaded.loss) is type(model.loss)
    assert_same_outputs(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_allclose(reloaded.evaluate(x, y, batch_size=64, verbose=0), after, rtol=1e-5)


def test_mqrnn_fit_lowers_its_loss_and_reloads(tmp_path):
    x, y = ar_problem(steps=15)
    context, horizon = x[:, :12], y[:, 11:]  # the last 4 values from the 12 before
    model = zoo.mqrnn((12, 1), horizon=4, quantiles=QUANTILES, units=8, head_units=(8,))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=losses.QuantileLoss(QUANTILES))
    before = model.evaluate(context, horizon, batch_size=64, verbose=0)
    model.fit(context, horizon, epochs=8, batch_size=16, verbose=0)
    after = model.evaluate(context, horizon, batch_size=64, verbose=0)
    assert after < before * 0.8, (before, after)

    path = tmp_path / "mqrnn.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert quantiles_of(reloaded) == QUANTILES
    assert reloaded.loss.quantiles == QUANTILES
    assert_same_outputs(reloaded.predict(context, verbose=0), model.predict(context, verbose=0))


def test_mqrnn_with_future_features_saves_and_reloads(tmp_path):
    model = randomized(
        zoo.mqrnn((6, 2), horizon=3, quantiles=QUANTILES, future_features=1, units=4), scale=0.5
    )
    rng = np.random.default_rng(0)
    x = {
        "sequence": rng.normal(size=(5, 6, 2)).astype("float32"),
        "future": rng.normal(size=(5, 3, 1)).astype("float32"),
    }
    path = tmp_path / "mqrnn_future.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert quantiles_of(reloaded) == QUANTILES
    # the same config, but for tuples read back from JSON as lists
    assert json.loads(json.dumps(reloaded.get_config())) == json.loads(
        json.dumps(model.get_config())
    )
    assert_same_outputs(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
