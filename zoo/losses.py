"""Forecasting losses: likelihoods of a distribution head and the quantile (pinball) loss.

The Keras losses (`StudentTLoss`, `GaussianLoss`, `NegativeBinomialLoss`,
`QuantileLoss`) are written in `keras.ops` only, so they train on every
backend, and are registered under the package "zoo" so that a compiled model
saves and loads with them. A target that is NaN is not observed: it weighs
nothing, and the loss is the mean over the observed entries (padded windows
of short series train this way), as Keras does for a mask.

Like GluonTS's `DistributionOutput`, one distribution's name gives its
parameter count (`DISTRIBUTIONS`), its loss (`negative_log_likelihood`), and
NumPy helpers for forecasting from predicted parameters: `log_prob`,
`sample` and `quantile`. Parameters arrive already constrained, in the last
axis, in this order:

- "gaussian": `(mu, sigma)`, sigma > 0.
- "student_t": `(mu, sigma, nu)`, sigma > 0, nu > 0 (the model keeps nu > 2,
  where the variance is finite).
- "negative_binomial": `(mu, alpha)`, both > 0, in GluonTS's
  parametrisation: mean mu, shape alpha, variance `mu + alpha * mu**2`
  (scipy's `nbinom(n=1/alpha, p=1/(1 + alpha*mu))`). Targets are counts >= 0.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from zoo._errors import InputError

DISTRIBUTIONS = {"student_t": 3, "gaussian": 2, "negative_binomial": 2}
PARAMETER_NAMES = {
    "student_t": ("mu", "sigma", "nu"),
    "gaussian": ("mu", "sigma"),
    "negative_binomial": ("mu", "alpha"),
}

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_SHIFT = 6  # lgamma's argument is raised by this much before Stirling's series


# === Keras losses ===


class _ObservedTargetsLoss(keras.losses.Loss):
    """A loss of targets `(batch, T)` or `(batch, T, 1)` against predictions
    `(batch, T, k)`, whose NaN targets weigh nothing.

    `call(y_true, y_pred)` gets the targets as `(batch, T)` with NaN replaced
    by 0 and returns the loss of every entry `(batch, T)`; the NaN entries get
    weight 0 (with the sample weights, if any) and Keras reduces.
    """

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = _as_steps(ops.convert_to_tensor(y_true, dtype=self.dtype), y_pred)
        observed = ops.logical_not(ops.isnan(y_true))
        weights = ops.cast(observed, self.dtype)
        if self.reduction in ("sum_over_batch_size", "mean"):
            # Keras's rule for a mask: the mean over the observed entries
            weights = ops.divide_no_nan(weights, ops.mean(weights))
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
            if len(sample_weight.shape) == 3:
                sample_weight = ops.squeeze(sample_weight, axis=-1)
            while len(sample_weight.shape) < 2:
                sample_weight = ops.expand_dims(sample_weight, axis=-1)
            weights = weights * sample_weight
        y_true = ops.where(observed, y_true, ops.zeros_like(y_true))
        return super().__call__(y_true, y_pred, sample_weight=weights)


def _as_steps(y_true, y_pred):
    """Targets as `(batch, T)` for predictions `(batch, T, k)`."""
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        return ops.squeeze(y_true, axis=-1)
    if len(y_true.shape) != len(y_pred.shape) - 1:
        raise InputError(
            "Expected targets shaped like the predictions without their last "
            f"axis, or with a last axis of 1. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    return y_true


class _NegativeLogLikelihood(_ObservedTargetsLoss):
    distribution = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def call(self, y_true, y_pred):
        _check_parameter_count(self.distribution, y_pred.shape[-1])
        params = [y_pred[..., i] for i in range(DISTRIBUTIONS[self.distribution])]
        return -self.log_prob(y_true, *params)


@keras.saving.register_keras_serializable(package="zoo")
class GaussianLoss(_NegativeLogLikelihood):
    """Negative log-likelihood of a normal distribution.

    `y_pred[..., 0]` is the mean mu, `y_pred[..., 1]` the standard deviation
    sigma > 0; NaN targets are ignored.

    Example:

    >>> loss = zoo.losses.GaussianLoss()
    >>> float(loss(np.zeros((1, 1)), np.array([[[0.0, 1.0]]])))  # 0.5 log(2 pi)
    0.918938...
    """

    distribution = "gaussian"

    def log_prob(self, y, mu, sigma):
        z = (y - mu) / sigma
        return -ops.log(sigma) - _HALF_LOG_2PI - 0.5 * ops.square(z)


@keras.saving.register_keras_serializable(package="zoo")
class StudentTLoss(_NegativeLogLikelihood):
    """Negative log-likelihood of a Student-t distribution (DeepAR's default).

    `y_pred[..., :3]` holds the location mu, the scale sigma > 0 and the
    degrees of freedom nu > 0; NaN targets are ignored.
    """

    distribution = "student_t"

    def log_prob(self, y, mu, sigma, nu):
        z = (y - mu) / sigma
        # lgamma((nu+1)/2) - lgamma(nu/2) - log(nu pi)/2, without cancelling logs of nu
        return (
            _log_rising_factorial_ratio(0.5 * nu, 0.5)
            - _HALF_LOG_2PI
            - ops.log(sigma)
            - 0.5 * (nu + 1.0) * ops.log1p(ops.square(z) / nu)
        )


@keras.saving.register_keras_serializable(package="zoo")
class NegativeBinomialLoss(_NegativeLogLikelihood):
    """Negative log-likelihood of a negative binomial distribution, for counts.

    `y_pred[..., 0]` is the mean mu > 0, `y_pred[..., 1]` the shape alpha > 0
    (variance `mu + alpha * mu**2`, GluonTS's parametrisation); targets are
    counts >= 0, NaN targets are ignored.
    """

    distribution = "negative_binomial"

    def log_prob(self, y, mu, alpha):
        # lgamma(y + r) - lgamma(r) - lgamma(y + 1) + r log(r / (r + mu))
        # + y log(mu / (r + mu)), r = 1/alpha, with the y log(r) of the first and
        # last terms cancelled by hand: both are large where alpha is small
        r = 1.0 / alpha
        log1p_alpha_mu = ops.log1p(alpha * mu)
        return (
            _log_rising_factorial_ratio(r, y)
            - _lgamma(y + 1.0)
            - r * log1p_alpha_mu
            + y * (ops.log(mu) - log1p_alpha_mu)
        )


@keras.saving.register_keras_serializable(package="zoo")
class QuantileLoss(_ObservedTargetsLoss):
    """The pinball loss averaged over quantiles (MQ-RNN's loss).

    For quantile q and error `e = y - prediction` the loss is
    `max(q * e, (q - 1) * e)`; it is averaged over the quantiles and then, as
    every Keras loss, over the entries. Targets are `(batch, H)` or
    `(batch, H, 1)`, predictions `(batch, H, len(quantiles))`; NaN targets
    are ignored.

    Args:
        quantiles: sequence of floats, strictly increasing in (0, 1): the
            quantile that each last-axis entry of the prediction forecasts.

    Example:

    >>> loss = zoo.losses.QuantileLoss([0.1, 0.5, 0.9])
    >>> float(loss(np.zeros((1, 1)), np.array([[[-1.0, 0.0, 1.0]]])))
    0.0666...
    """

    def __init__(self, quantiles, name=None, reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.quantiles = check_quantiles(quantiles)

    def call(self, y_true, y_pred):
        if y_pred.shape[-1] != len(self.quantiles):
            raise InputError(
                f"Expected predictions with one entry per quantile ({len(self.quantiles)}) "
                f"in their last axis. Received: y_pred.shape={tuple(y_pred.shape)}"
            )
        q = ops.convert_to_tensor(self.quantiles, dtype=y_pred.dtype)
        error = ops.expand_dims(y_true, -1) - y_pred
        return ops.mean(ops.maximum(q * error, (q - 1.0) * error), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update(quantiles=list(self.quantiles))
        return config


LOSSES = {
    "student_t": StudentTLoss,
    "gaussian": GaussianLoss,
    "negative_binomial": NegativeBinomialLoss,
}


def negative_log_likelihood(distribution, **kwargs):
    """The Keras loss of `distribution` (a key of `DISTRIBUTIONS`).

    Example:

    >>> type(zoo.losses.negative_log_likelihood("student_t")).__name__
    'StudentTLoss'
    """
    return LOSSES[check_distribution(distribution)](**kwargs)


def _lgamma(x):
    """log Gamma(x) for x > 0 in `keras.ops`: Stirling's series at x + 6,
    brought back by the rising factorial (error below 1e-8 before rounding)."""
    z = x + _SHIFT
    shifted = (z - 0.5) * ops.log(z) - z + _HALF_LOG_2PI + _stirling_correction(z)
    product = x
    for k in range(1, _SHIFT):
        product = product * (x + k)
    return shifted - ops.log(product)


def _log_rising_factorial_ratio(a, y):
    """log Gamma(a + y) - log Gamma(a) - y log(a) for a > 0, y >= 0, without
    the cancellation of two large lgammas (a = 1/alpha is large when alpha is
    small) or of the large y log(a) that the callers add back.

    With z0 = a + 6, z1 = z0 + y, Stirling's series gives
    lgamma(z1) - lgamma(z0) = (z0 - 1/2) log1p(y/z0) + y log z1 - y + c(z1) - c(z0);
    lgamma(a + y) - lgamma(a) subtracts sum_k log1p(y / (a + k)), k < 6, and
    y log z1 - y log a = y log1p((6 + y) / a).
    """
    z0 = a + _SHIFT
    result = (
        (z0 - 0.5) * ops.log1p(y / z0)
        - y
        + y * ops.log1p((_SHIFT + y) / a)
        + _stirling_correction(z0 + y)
        - _stirling_correction(z0)
    )
    for k in range(_SHIFT):
        result = result - ops.log1p(y / (a + k))
    return result


def _stirling_correction(z):
    """lgamma(z) - [(z - 1/2) log z - z + log(2 pi)/2] for z >= 6, to ~2e-9."""
    w = 1.0 / z
    w2 = w * w
    return w * (1.0 / 12.0 - w2 * (1.0 / 360.0 - w2 * (1.0 / 1260.0 - w2 / 1680.0)))


# === Checks ===


def check_distribution(distribution):
    if distribution not in DISTRIBUTIONS:
        raise InputError(
            f"Expected `distribution` to be one of {list(DISTRIBUTIONS)}. "
            f"Received: distribution={distribution!r}"
        )
    return distribution


def check_quantiles(quantiles):
    """Returns `quantiles` as a tuple of floats strictly increasing in (0, 1), or raises."""
    try:
        values = tuple(quantiles)
    except TypeError:
        values = None
    if (
        not values
        or not all(isinstance(q, numbers.Real) and not isinstance(q, bool) for q in values)
        or not all(0.0 < q < 1.0 for q in values)
        or any(b <= a for a, b in zip(values, values[1:], strict=False))
    ):
        raise InputError(
            "Expected `quantiles` to be a non-empty sequence of floats strictly "
            f"increasing in (0, 1). Received: quantiles={quantiles!r}"
        )
    return tuple(float(q) for q in values)


def _check_parameter_count(distribution, count):
    if count != DISTRIBUTIONS[distribution]:
        raise InputError(
            f"Expected {DISTRIBUTIONS[distribution]} parameters {PARAMETER_NAMES[distribution]} "
            f"in the last axis for distribution={distribution!r}. Received: {count}"
        )


# === NumPy helpers for forecasting ===


def _split(distribution, params):
    params = np.asarray(params, dtype="float64")
    _check_parameter_count(check_distribution(distribution), params.shape[-1])
    return [params[..., i] for i in range(params.shape[-1])]


def _scipy_distribution(distribution, params):
    """The frozen `scipy.stats` distribution of `params` (..., n_params)."""
    from scipy import stats  # scipy only where forecasts are made: `import zoo` stays light

    values = _split(distribution, params)
    if distribution == "gaussian":
        mu, sigma = values
        return stats.norm(loc=mu, scale=sigma)
    if distribution == "student_t":
        mu, sigma, nu = values
        return stats.t(df=nu, loc=mu, scale=sigma)
    mu, alpha = values
    return stats.nbinom(n=1.0 / alpha, p=1.0 / (1.0 + alpha * mu))


def log_prob(distribution, params, y):
    """The log density (log probability for "negative_binomial") of `y`, float64.

    Args:
        distribution: a key of `DISTRIBUTIONS`.
        params: array `(..., n_params)` of constrained parameters.
        y: array broadcastable to `params.shape[:-1]`.
    """
    frozen = _scipy_distribution(distribution, params)
    y = np.asarray(y, dtype="float64")
    if distribution == "negative_binomial":
        return frozen.logpmf(y)
    return frozen.logpdf(y)


def sample(distribution, params, rng):
    """One draw per row of `params` `(..., n_params)`, shaped `params.shape[:-1]`, float64.

    Args:
        distribution: a key of `DISTRIBUTIONS`.
        params: array `(..., n_params)` of constrained parameters.
        rng: a `numpy.random.Generator`.
    """
    values = _split(distribution, params)
    if distribution == "gaussian":
        mu, sigma = values
        return rng.normal(mu, sigma)
    if distribution == "student_t":
        mu, sigma, nu = values
        return mu + sigma * rng.standard_t(nu)
    mu, alpha = values
    return rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mu)).astype("float64")


def quantile(distribution, params, q):
    """The quantile(s) `q` of each row of `params` `(..., n_params)`, float64.

    A float `q` gives an array `params.shape[:-1]`; a sequence of them gives
    `params.shape[:-1] + (len(q),)`. Closed forms (scipy's `ppf`) for every
    distribution here.
    """
    scalar = np.ndim(q) == 0
    levels = np.atleast_1d(np.asarray(q, dtype="float64"))
    if levels.ndim != 1 or not np.all((levels > 0) & (levels < 1)):
        raise InputError(
            f"Expected `q` to be a float or a 1-D sequence of floats in (0, 1). Received: q={q!r}"
        )
    params = np.asarray(params, dtype="float64")
    frozen = _scipy_distribution(distribution, params[..., None, :])
    out = frozen.ppf(np.broadcast_to(levels, params.shape[:-1] + levels.shape))
    return out[..., 0] if scalar else out
