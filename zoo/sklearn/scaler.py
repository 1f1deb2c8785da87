"""`SequenceScaler`: scikit-learn's scalers for (samples, timesteps, features)."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from zoo.data import make_scaler
from zoo.sklearn._base import as_sequences, check_features

_FLOATS = ["float64", "float32"]  # check_array keeps the first that matches


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Scales each feature of (samples, timesteps, features) arrays.

    A scikit-learn scaler sees 2-D tables; this one fits it on every time step
    of every sample (one row per step) and applies it step by step, so a
    feature keeps one scale across time. 2-D input is read as univariate
    series; the output is always 3-D, float64 for float64 input and float32
    otherwise.

    Args:
        scaler: `"standard"`, `"minmax"`, `"none"`, or an unfitted
            scikit-learn transformer (cloned at `fit`).

    Example:

    >>> pipe = make_pipeline(SequenceScaler(), LSTMClassifier(units=32))
    """

    def __init__(self, scaler="standard"):
        self.scaler = scaler

    def fit(self, X, y=None):
        X = as_sequences(X, dtype=_FLOATS)
        if isinstance(self.scaler, str) or self.scaler is None:
            self.scaler_ = make_scaler(self.scaler)
        else:
            self.scaler_ = clone(self.scaler)
        self.scaler_.fit(X.reshape(-1, X.shape[2]))
        self.n_features_in_ = X.shape[2]
        return self

    def transform(self, X):
        return self._apply(X, "transform")

    def inverse_transform(self, X):
        return self._apply(X, "inverse_transform")

    def _apply(self, X, method):
        check_is_fitted(self, "scaler_")
        X = as_sequences(X, dtype=_FLOATS)
        check_features(self, X)
        rows = getattr(self.scaler_, method)(X.reshape(-1, X.shape[2]))
        return np.asarray(rows, dtype=X.dtype).reshape(X.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
