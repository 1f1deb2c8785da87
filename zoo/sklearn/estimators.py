"""scikit-learn estimators that accept 3-D sequence arrays (samples, timesteps, features).

scikit-learn's own validation refuses 3-D input, so these check it themselves;
2-D input is read as univariate series (samples, timesteps).

- `LSTMClassifier`, `LSTMRegressor`: a zoo builder trained with early stopping;
  they join `GridSearchCV`, `cross_val_score` and `Pipeline` like any estimator.
- `SequenceScaler`: scales each feature over every sample and time step, the
  3-D scaler step a pipeline needs before them.
- `LSTMAutoencoder`: unsupervised sequence embeddings through `transform`.

Which of scikit-learn's estimator checks apply, and why the others do not, is
in `EXPECTED_FAILED_CHECKS` (the test suite runs the rest).
"""

import os
import tempfile

import keras
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
    is_classifier,
)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from zoo import _checks, _registry
from zoo.data import make_scaler
from zoo.models.autoencoder import lstm_autoencoder


def as_sequences(X, argument="X", dtype="float32"):
    """`X` as (samples, timesteps, features) of `dtype`; 2-D is univariate.

    scikit-learn's `check_array` (with `allow_nd`) does the generic checks:
    dense, numeric, finite, at least one sample and one step.
    """
    X = check_array(X, allow_nd=True, dtype=dtype, input_name=argument)
    if X.ndim == 2:
        X = X[..., None]
    if X.ndim != 3:
        raise ValueError(
            f"Expected `{argument}` of shape (samples, timesteps, features) or "
            f"(samples, timesteps). Received: {argument} with shape {X.shape}"
        )
    if 0 in X.shape:
        raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}), `{argument}` is empty")
    return X


class _KerasModelPickle:
    """Pickles the fitted Keras model in `model_` as `.keras` bytes."""

    def __getstate__(self):
        state = self.__dict__.copy()
        model = state.pop("model_", None)
        state.pop("encoder_", None)
        if model is not None:
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, "model.keras")
                model.save(path)
                with open(path, "rb") as handle:
                    state["_model_bytes"] = handle.read()
        return state

    def __setstate__(self, state):
        blob = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        if blob is not None:
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, "model.keras")
                with open(path, "wb") as handle:
                    handle.write(blob)
                self.model_ = keras.saving.load_model(path, safe_mode=True)
            self._after_load()

    def _after_load(self):
        pass


class LSTMAutoencoder(_KerasModelPickle, TransformerMixin, BaseEstimator):
    """Unsupervised sequence embeddings: `transform` returns the latent vectors.

    `fit(X)` trains `zoo.lstm_autoencoder` to reconstruct `X`; `transform(X)`
    runs its encoder. Use it before any scikit-learn classifier:

    >>> pipe = make_pipeline(LSTMAutoencoder(latent_dim=8), LogisticRegression())
    >>> pipe.fit(X_train, y_train).score(X_test, y_test)

    Parameters: `latent_dim`, `encoder_units`, `decoder_units`, `reverse`,
    `conditional` as in `zoo.lstm_autoencoder`; `epochs`, `batch_size`,
    `learning_rate` (Adam, halved when the training loss stalls),
    `random_state` (seeds Keras) and `verbose` (Keras's fit verbosity).
    """

    def __init__(
        self,
        latent_dim=16,
        encoder_units=(64,),
        decoder_units=(64,),
        reverse=True,
        conditional=False,
        epochs=50,
        batch_size=32,
        learning_rate=3e-3,
        random_state=None,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.encoder_units = encoder_units
        self.decoder_units = decoder_units
        self.reverse = reverse
        self.conditional = conditional
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        X = as_sequences(X)
        if self.random_state is not None:
            keras.utils.set_random_seed(self.random_state)
        self.model_ = lstm_autoencoder(
            X.shape[1:],
            latent_dim=self.latent_dim,
            encoder_units=self.encoder_units,
            decoder_units=self.decoder_units,
            reverse=self.reverse,
            conditional=self.conditional,
        )
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse")
        schedule = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=5)
        history = self.model_.fit(
            X,
            X,
            epochs=self.epochs,
            batch_size=self.batch_size,
            callbacks=[schedule],
            verbose=self.verbose,
        )
        self.loss_curve_ = [float(v) for v in history.history["loss"]]
        self.n_features_in_ = X.shape[2]
        self.n_timesteps_in_ = X.shape[1]
        self._after_load()
        return self

    def _after_load(self):
        self.encoder_ = self.model_.get_layer("encoder")

    def transform(self, X):
        check_is_fitted(self, "model_")
        X = as_sequences(X)
        if X.shape[1:] != (self.n_timesteps_in_, self.n_features_in_):
            raise ValueError(
                f"Expected `X` with {self.n_timesteps_in_} timesteps and "
                f"{self.n_features_in_} features, as in fit. Received: shape {X.shape}"
            )
        return self.encoder_.predict(X, verbose=0, batch_size=256)

    def reconstruct(self, X):
        """The model's reconstruction of `X`, in the input's order."""
        check_is_fitted(self, "model_")
        return self.model_.predict(as_sequences(X), verbose=0, batch_size=256)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.non_deterministic = True
        return tags


# === scikit-learn's estimator checks that do not apply ===

_UNIVARIATE = (
    "2-D X is read as univariate series, so its columns are time steps: "
    "n_features_in_ counts the features of each step (1), not X.shape[1]"
)
_FLOAT32 = (
    "Keras computes in float32, and the kernels BLAS picks depend on the batch: "
    "a sample's output computed in another batch (smaller, or in another order) may "
    "differ by about 1e-7, the check's tolerance"
)
EXPECTED_FAILED_CHECKS = {
    "SequenceScaler": {
        "check_n_features_in": _UNIVARIATE,
        "check_n_features_in_after_fitting": _UNIVARIATE,
        "check_transformer_general": (
            "the scaler is per feature, so it takes series of any length: a 2-D X "
            "with fewer columns is a shorter series, not one with fewer features"
        ),
    },
    "LSTMClassifier": {
        "check_n_features_in": _UNIVARIATE,
        "check_n_features_in_after_fitting": _UNIVARIATE
        + "; fewer columns raise the timesteps error instead",
        "check_methods_subset_invariance": _FLOAT32,
        "check_methods_sample_order_invariance": _FLOAT32,
    },
    "LSTMRegressor": {
        "check_n_features_in": _UNIVARIATE,
        "check_n_features_in_after_fitting": _UNIVARIATE
        + "; fewer columns raise the timesteps error instead",
        "check_methods_subset_invariance": _FLOAT32,
        "check_methods_sample_order_invariance": _FLOAT32,
    },
}


# === Scaling sequences ===

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
        _check_features(self, X)
        rows = getattr(self.scaler_, method)(X.reshape(-1, X.shape[2]))
        return np.asarray(rows, dtype=X.dtype).reshape(X.shape)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _check_features(estimator, X, timesteps=None):
    if X.shape[2] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[2]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input"
        )
    if timesteps is not None and X.shape[1] != timesteps:
        raise ValueError(
            f"X has {X.shape[1]} timesteps, but {type(estimator).__name__} was fitted "
            f"on {timesteps}"
        )


# === Classifier and regressor ===


class _LSTMEstimator(_KerasModelPickle, BaseEstimator):
    """What `LSTMClassifier` and `LSTMRegressor` share: building, training, checks."""

    _head = None

    def __init__(
        self,
        model="lstm",
        units=64,
        *,
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        head_units=(),
        epochs=100,
        batch_size=32,
        learning_rate=1e-3,
        validation_fraction=0.1,
        patience=10,
        random_state=None,
        verbose=0,
    ):
        self.model = model
        self.units = units
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.head_units = head_units
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y):
        """Trains a new model on `X` and `y`; returns `self`."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        X = as_sequences(X)
        check_consistent_length(X, y)
        epochs, batch_size = self._check_params()
        targets = self._encode_targets(y)
        if self.random_state is not None:
            keras.utils.set_random_seed(self.random_state)
        fit_x, fit_y, validation = self._split(X, targets)
        self.model_ = _registry.get_model(
            self.model,
            input_shape=X.shape[1:],
            units=self.units,
            head=self._head,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            head_units=self.head_units,
            **self._head_size(targets),
        )
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=self._loss)
        callbacks = []
        if validation is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=self.patience, restore_best_weights=True, monitor="val_loss"
                )
            )
        history = self.model_.fit(
            fit_x,
            fit_y,
            validation_data=validation,
            epochs=epochs,
            batch_size=min(batch_size, len(fit_x)),
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = {key: [float(v) for v in values] for key, values in history.history.items()}
        self.n_iter_ = len(self.history_["loss"])
        self.n_features_in_ = X.shape[2]
        self.n_timesteps_in_ = X.shape[1]
        return self

    def _check_params(self):
        """Raises on a bad parameter; returns `epochs` and `batch_size` as Python ints
        (a grid search may pass NumPy integers, which torch's data loader refuses)."""
        _checks.check_choice("model", self.model, _registry.list_models(task=self._head))
        _checks.check_rate("validation_fraction", self.validation_fraction)
        return (
            _checks.check_positive_int("epochs", self.epochs),
            _checks.check_positive_int("batch_size", self.batch_size),
        )

    def _split(self, X, y):
        """`(X, y)` to fit on and the validation pair, or None without early stopping."""
        if not self.validation_fraction or self.patience is None:
            return X, y, None
        held_out = int(np.ceil(self.validation_fraction * len(X)))
        if held_out < 1 or len(X) - held_out < 1:
            return X, y, None
        stratify = None
        if is_classifier(self):
            _, counts = np.unique(y, return_counts=True)
            if counts.min() >= 2 and held_out >= len(counts):
                stratify = y
        fit_x, val_x, fit_y, val_y = train_test_split(
            X, y, test_size=held_out, random_state=self.random_state, stratify=stratify
        )
        return fit_x, fit_y, (val_x, val_y)

    def _outputs(self, X):
        check_is_fitted(self, "model_")
        X = as_sequences(X)
        _check_features(self, X, self.n_timesteps_in_)
        return self.model_.predict(X, batch_size=max(int(self.batch_size), 256), verbose=0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags


class LSTMClassifier(ClassifierMixin, _LSTMEstimator):
    """Sequence classifier: a zoo builder with a softmax head, as a scikit-learn estimator.

    `X` is (samples, timesteps, features), or (samples, timesteps) for one
    feature; labels may be of any type and are decoded back by `predict`.

    Args:
        model: name of a registered builder offering a classification head
            (`zoo.list_models("classification")`), e.g. `"lstm"` or
            `"stacked_lstm"` (then `units` is a tuple, one width per layer).
        units, bidirectional, dropout, recurrent_dropout, head_units: the
            builder's arguments.
        epochs: most training epochs.
        batch_size: samples per gradient step.
        learning_rate: Adam's learning rate.
        validation_fraction: share of the training data held out (stratified
            where every class has two members) to stop early and restore the
            best weights; 0 trains all `epochs` on everything.
        patience: epochs without validation improvement before stopping;
            None turns early stopping off.
        random_state: int seeds Keras, NumPy and Python's generators (global
            state, as `keras.utils.set_random_seed` does) and the split.
        verbose: Keras's `fit` verbosity.

    Attributes: `classes_`, `model_` (the fitted Keras model), `history_`,
    `n_iter_` (epochs run), `n_features_in_`, `n_timesteps_in_`.

    Example:

    >>> clf = LSTMClassifier(units=32, epochs=20).fit(x_train, y_train)
    >>> clf.predict(x_test), clf.score(x_test, y_test)
    """

    _head = "classification"
    _loss = "sparse_categorical_crossentropy"

    def _encode_targets(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Expected at least 2 classes in `y`, the classifier can't train on one class. "
                f"Received: only class {self.classes_[0]!r}"
            )
        return self._encoder.transform(y)

    def _head_size(self, targets):
        return {"num_classes": len(self.classes_)}

    def predict_proba(self, X):
        """Class probabilities, (samples, classes), columns ordered as `classes_`."""
        probabilities = self._outputs(X).astype("float64")
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The most probable class of each sequence, as a label of `classes_`."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class LSTMRegressor(RegressorMixin, _LSTMEstimator):
    """Sequence regressor: a zoo builder with a linear head, as a scikit-learn estimator.

    `X` is (samples, timesteps, features), or (samples, timesteps) for one
    feature; `y` is (samples,) or (samples, outputs). Targets are standardized
    for training and mapped back by `predict`, so their units do not matter.
    Parameters and attributes are `LSTMClassifier`'s (no `classes_`).

    Example:

    >>> reg = LSTMRegressor(model="stacked_lstm", units=(32, 32)).fit(x_train, y_train)
    >>> reg.predict(x_test), reg.score(x_test, y_test)  # score is R^2
    """

    _head = "regression"
    _loss = "mse"

    def _encode_targets(self, y):
        y = np.asarray(y, dtype="float64")
        if y.ndim not in (1, 2) or not np.isfinite(y).all():
            raise ValueError(
                "Expected `y` of shape (samples,) or (samples, outputs) without NaN or "
                f"infinite values. Received: y with shape {y.shape}"
            )
        self._target_ndim = y.ndim
        column = y.reshape(len(y), -1)
        self._target_scaler = StandardScaler().fit(column)
        return self._target_scaler.transform(column).astype("float32")

    def _head_size(self, targets):
        return {"num_outputs": targets.shape[1]}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted targets, in `y`'s units and shape."""
        outputs = self._outputs(X).astype("float64")
        values = self._target_scaler.inverse_transform(outputs)
        return values[:, 0] if self._target_ndim == 1 else values
