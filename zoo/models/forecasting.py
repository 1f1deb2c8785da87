"""LSTM forecasters: DeepAR's distribution head and MQ-RNN's quantile head.

`deepar` (Salinas et al., 2020) reads a sequence and gives, at every step,
the parameters of a distribution over the next value; `zoo.losses` holds its
negative log-likelihood and the NumPy helpers that sample from and take
quantiles of the predicted parameters. `mqrnn` (Wen et al., 2017) reads a
context window (and optionally known future covariates) and gives several
quantiles of every step of the horizon at once, trained with
`zoo.losses.QuantileLoss`.

Each model's head is a registered layer that keeps what it forecasts in its
config, so a reloaded model still says it: `distribution_of(model)` and
`quantiles_of(model)`.
"""

import keras
from keras import ops

from zoo import _checks
from zoo._registry import register_model
from zoo.layers import LSTM
from zoo.losses import DISTRIBUTIONS, check_distribution, check_quantiles
from zoo.models._base import SequenceModel

DEFAULT_QUANTILES = (0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975)
_EPSILON = 1e-6  # keeps scale parameters off zero, where the likelihood is -inf


# === Heads ===


@keras.saving.register_keras_serializable(package="zoo")
class DistributionParameters(keras.layers.Layer):
    """Maps raw values `(..., n_params)` to the parameters of `distribution`.

    The constraints, as in GluonTS: a location stays as it is, a scale or a
    negative binomial's mean and shape become `softplus(raw) + 1e-6`, and a
    Student-t's degrees of freedom `2 + softplus(raw)` (finite variance).
    The order of the parameters is `zoo.losses.PARAMETER_NAMES[distribution]`.

    Args:
        distribution: `"student_t"`, `"gaussian"` or `"negative_binomial"`.
    """

    def __init__(self, distribution="student_t", **kwargs):
        super().__init__(**kwargs)
        self.distribution = check_distribution(distribution)

    def call(self, inputs):
        raw = [inputs[..., i : i + 1] for i in range(DISTRIBUTIONS[self.distribution])]
        if self.distribution == "gaussian":
            mu, sigma = raw
            params = [mu, ops.softplus(sigma) + _EPSILON]
        elif self.distribution == "student_t":
            mu, sigma, nu = raw
            params = [mu, ops.softplus(sigma) + _EPSILON, 2.0 + ops.softplus(nu)]
        else:
            params = [ops.softplus(p) + _EPSILON for p in raw]
        return ops.concatenate(params, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(distribution=self.distribution)
        return config


@keras.saving.register_keras_serializable(package="zoo")
class MonotoneQuantiles(keras.layers.Layer):
    """Maps raw values `(..., Q)` to quantile forecasts that never cross.

    The entry of the quantile nearest 0.5 (the median) is taken as it is;
    each quantile above it adds `softplus(raw)` to the one below, each one
    below subtracts `softplus(raw)` from the one above (running sums,
    `keras.ops.cumsum`). The output is non-decreasing along the last axis
    whatever the weights.

    Args:
        quantiles: sequence of floats strictly increasing in (0, 1), one per
            last-axis entry.
    """

    def __init__(self, quantiles=DEFAULT_QUANTILES, **kwargs):
        super().__init__(**kwargs)
        self.quantiles = check_quantiles(quantiles)
        self.median_index = min(
            range(len(self.quantiles)), key=lambda i: abs(self.quantiles[i] - 0.5)
        )

    def call(self, inputs):
        m = self.median_index
        median = inputs[..., m : m + 1]
        parts = [median]
        if m > 0:  # running sums from the median downwards
            steps = ops.flip(ops.softplus(inputs[..., :m]), axis=-1)
            parts.insert(0, median - ops.flip(ops.cumsum(steps, axis=-1), axis=-1))
        if m < len(self.quantiles) - 1:
            parts.append(median + ops.cumsum(ops.softplus(inputs[..., m + 1 :]), axis=-1))
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(quantiles=list(self.quantiles))
        return config


def distribution_of(model):
    """The distribution a `deepar` model's head predicts (also after `load_model`)."""
    return model.get_layer("distribution").distribution


def quantiles_of(model):
    """The quantiles an `mqrnn` model predicts, as a tuple (also after `load_model`)."""
    return tuple(model.get_layer("quantiles").quantiles)


# === Builders ===


@register_model(tasks=("forecasting",))
def deepar(input_shape, *, units=(40, 40), distribution="student_t", dropout=0.1, name=None):
    """DeepAR's network: an LSTM stack with a distribution head at every step.

    Salinas, Flunkert, Gasthaus and Januschowski, "DeepAR: Probabilistic
    forecasting with autoregressive recurrent networks" (2020). At step t the
    input holds what is known then (typically the previous target, scaled,
    and covariates); the output holds the parameters of the distribution of
    the target at t. Train with `zoo.losses.negative_log_likelihood(
    distribution)`, which ignores NaN targets; forecast by feeding back
    draws of `zoo.losses.sample`.

    Args:
        input_shape: tuple `(timesteps, features)`; `timesteps=None` accepts
            windows of any length.
        units: int or tuple of int. Width of each LSTM layer, bottom first
            (40 and 40 in GluonTS). Every layer returns sequences.
        distribution: `"student_t"`, `"gaussian"` or `"negative_binomial"`.
            The output's last axis holds its parameters in the order of
            `zoo.losses.PARAMETER_NAMES`, constrained as in
            `DistributionParameters`.
        dropout: float in [0, 1). Dropout after each LSTM layer.
        name: str. Model name; defaults to "deepar".

    Returns:
        An uncompiled `keras.Model` from `(batch, timesteps, features)` to
        `(batch, timesteps, n_params)` (float32). Its output layer, named
        "distribution", keeps the distribution in its config:
        `zoo.models.forecasting.distribution_of(model)`.

    Example:

    >>> model = zoo.deepar((24, 3), units=(16, 16), distribution="gaussian")
    >>> model.output_shape
    (None, 24, 2)
    """
    # === Checks: every argument, before any layer exists ===
    timesteps, features = _checks.check_input_shape(input_shape)
    units = _checks.check_units("units", units)
    distribution = check_distribution(distribution)
    dropout = _checks.check_rate("dropout", dropout)

    # === Layers ===
    inputs = keras.Input(shape=(timesteps, features), name="sequence")
    x = inputs
    for i, width in enumerate(units, start=1):
        x = LSTM(width, return_sequences=True, name=f"lstm_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    raw = keras.layers.Dense(DISTRIBUTIONS[distribution], dtype="float32", name="raw_parameters")(x)
    outputs = DistributionParameters(distribution, dtype="float32", name="distribution")(raw)

    # === Functional Model ===
    return SequenceModel(inputs, outputs, name=name or "deepar")


@register_model(tasks=("forecasting",))
def mqrnn(
    input_shape,
    *,
    horizon,
    quantiles=DEFAULT_QUANTILES,
    future_features=0,
    units=(64,),
    head_units=(64,),
    dropout=0.1,
    name=None,
):
    """MQ-RNN: an LSTM encoder and an MLP that forecast quantiles of a whole horizon.

    Wen, Torkkola, Narayanaswamy and Madeka, "A multi-horizon quantile
    recurrent forecaster" (2017), with the encoder's final state as the
    context and one MLP for every step of the horizon (the paper's global
    and local MLPs folded into one). The quantiles never cross: the median
    is predicted directly and the others as positive increments from it
    (`MonotoneQuantiles`). Train with `zoo.losses.QuantileLoss(quantiles)`.

    Args:
        input_shape: tuple `(timesteps, features)` of the context window;
            `timesteps=None` accepts windows of any length.
        horizon: int >= 1. Steps forecast at once.
        quantiles: sequence of floats strictly increasing in (0, 1). The
            default is the 11 levels of the recipes' `q0.025` ... `q0.975`.
        future_features: int >= 0. Covariates known over the horizon: with
            more than 0 the model takes a dict, `{"sequence": (batch,
            timesteps, features), "future": (batch, horizon,
            future_features)}`, and the flattened future joins the context.
        units: int or tuple of int. Width of each encoder LSTM, bottom first.
        head_units: tuple of int. Hidden ReLU `Dense` layers of the MLP
            (may be empty).
        dropout: float in [0, 1). Dropout after each LSTM and hidden layer.
        name: str. Model name; defaults to "mqrnn".

    Returns:
        An uncompiled `keras.Model` giving `(batch, horizon, len(quantiles))`
        (float32), sorted along the last axis. Its output layer, named
        "quantiles", keeps the quantiles in its config:
        `zoo.models.forecasting.quantiles_of(model)`.

    Example:

    >>> model = zoo.mqrnn((48, 1), horizon=12, quantiles=(0.1, 0.5, 0.9))
    >>> model.output_shape
    (None, 12, 3)
    """
    # === Checks: every argument, before any layer exists ===
    timesteps, features = _checks.check_input_shape(input_shape)
    horizon = _checks.check_positive_int("horizon", horizon)
    quantiles = check_quantiles(quantiles)
    future_features = _checks.check_positive_int("future_features", future_features, minimum=0)
    units = _checks.check_units("units", units)
    head_units = _checks.check_units("head_units", head_units, allow_empty=True)
    dropout = _checks.check_rate("dropout", dropout)

    # === Layers ===
    sequence = keras.Input(shape=(timesteps, features), name="sequence")
    x = sequence
    for i, width in enumerate(units, start=1):
        x = LSTM(width, return_sequences=i < len(units), name=f"lstm_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    inputs = sequence
    if future_features:
        future = keras.Input(shape=(horizon, future_features), name="future")
        inputs = {"sequence": sequence, "future": future}
        flat = keras.layers.Flatten(name="future_flat")(future)
        x = keras.layers.Concatenate(name="context")([x, flat])
    for j, width in enumerate(head_units, start=1):
        x = keras.layers.Dense(width, activation="relu", name=f"head_dense_{j}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"head_dropout_{j}")(x)
    x = keras.layers.Dense(horizon * len(quantiles), dtype="float32", name="raw_quantiles")(x)
    x = keras.layers.Reshape((horizon, len(quantiles)), dtype="float32", name="horizon")(x)
    outputs = MonotoneQuantiles(quantiles, dtype="float32", name="quantiles")(x)

    # === Functional Model ===
    return SequenceModel(inputs, outputs, name=name or "mqrnn")
