"""`LSTMClassifier` and `LSTMRegressor`: a zoo builder with a head, trained
through `zoo.training`, as a scikit-learn estimator."""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from zoo import _checks, _registry
from zoo.sklearn import _saving
from zoo.sklearn._base import KerasEstimator, as_sequences, check_features


class _LSTMEstimator(KerasEstimator):
    """What `LSTMClassifier` and `LSTMRegressor` share: building, training, checks."""

    _head = None
    _loss = None

    def __init__(
        self,
        model="lstm",
        units=64,
        *,
        bidirectional=False,
        dropout=0.0,
        recurrent_dropout=0.0,
        head_units=(),
        epochs=None,
        max_steps=1000,
        min_steps=200,
        patience_steps=200,
        batch_size=None,
        learning_rate=1e-3,
        validation_fraction=0.1,
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
        self.max_steps = max_steps
        self.min_steps = min_steps
        self.patience_steps = patience_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
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
        self._check_params()
        targets = self._encode_targets(y)
        self._seed()
        fit_x, fit_y, validation = self._split(X, targets)
        model = _registry.get_model(
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
        self.model_ = self._train(model, self._loss, fit_x, fit_y, validation)
        self.n_features_in_ = X.shape[2]
        self.n_timesteps_in_ = X.shape[1]
        return self

    def _check_params(self):
        _checks.check_choice("model", self.model, _registry.list_models(task=self._head))
        super()._check_params()

    def _split(self, X, y):
        """`(X, y)` to fit on and the validation pair, or None to hold nothing out."""
        if not self.validation_fraction:
            return X, y, None
        held_out = int(np.ceil(self.validation_fraction * len(X)))
        if held_out < 1 or len(X) - held_out < 1:
            return X, y, None
        stratify = None
        if is_classifier(self):
            _, counts = np.unique(y, return_counts=True)
            if counts.min() >= 2 and held_out >= len(counts):
                stratify = y
        seed = None if self.random_state is None else int(self.random_state)
        fit_x, val_x, fit_y, val_y = train_test_split(
            X, y, test_size=held_out, random_state=seed, stratify=stratify
        )
        return fit_x, fit_y, (val_x, val_y)

    def _outputs(self, X):
        check_is_fitted(self, "model_")
        X = as_sequences(X)
        check_features(self, X, self.n_timesteps_in_)
        return self.model_.predict(X, batch_size=256, verbose=0)

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
        model: str. A registered builder with a classification head
            (`zoo.list_models("classification")`), e.g. `"lstm"` or
            `"stacked_lstm"` (then `units` is a tuple, one width per layer).
        units, bidirectional, dropout, recurrent_dropout, head_units: the
            builder's arguments.
        epochs: int or None. A cap on epochs; None leaves the steps in charge.
        max_steps: int. The most optimizer steps.
        min_steps: int. Early stopping waits at least this many steps.
        patience_steps: int. Stop after this many steps without a better
            validation loss. (The old `patience`, in epochs, is gone: an
            epoch of a small set is one or two steps.)
        batch_size: int or None. None: a tenth of the training set, between
            2 and 16, as the recipes.
        learning_rate: float. Adam's rate after the warm-up.
        validation_fraction: float in [0, 1). Share of the training data held
            out (stratified where every class has two members) for early
            stopping; 0 trains on everything for the whole step budget.
        random_state: int or None. Seeds Keras, NumPy and Python's generators
            (global state, as `keras.utils.set_random_seed` does) and the split.
        verbose: int. Keras's `fit` verbosity.
    Training goes through `zoo.training`, the policy the recipes use, counted
    in optimizer steps: Adam with clipped gradients and a short warm-up; with
    a validation share held out, the rate is cut on plateaus and training
    stops `patience_steps` steps after the best validation loss (not before
    `min_steps`), keeping the best weights; with nothing held out, a cosine
    schedule runs the whole budget. The step defaults (1000, 200, 200) are
    below the recipes' (`zoo.training.Policy`: 3000, 500, 600) so that grid
    searches, cross-validation and scikit-learn's estimator checks, which fit
    many times, stay quick; raise them for long real series, where the loss
    can sit on a plateau for hundreds of steps.

    Attributes: `classes_`, `model_` (the fitted Keras model), `history_`,
    `n_iter_` (epochs run), `n_steps_` (optimizer steps run), `n_features_in_`,
    `n_timesteps_in_`.

    Saving: `save(folder)` and `LSTMClassifier.load(folder)` keep the model
    as `.keras` and the rest as JSON, with no pickle: safe for files from
    anywhere. Pickling works too, but unpickling runs code: unpickle only
    what you trust.

    Example:

    >>> clf = LSTMClassifier(units=32).fit(x_train, y_train)
    >>> clf.predict(x_test), clf.score(x_test, y_test)
    >>> clf.save("clf"); LSTMClassifier.load("clf").predict(x_test)
    """

    _head = "classification"
    _loss = "sparse_categorical_crossentropy"

    def _encode_targets(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Expected at least 2 classes in `y`, the classifier can't train on one class. "
                f"Received: only class {self.classes_[0]!r}"
            )
        return encoder.transform(y)

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

    def _fitted_state(self):
        return {**super()._fitted_state(), "classes_": _saving.labels_entry(self.classes_)}

    def _restore_fitted_state(self, fitted):
        super()._restore_fitted_state(fitted)
        self.classes_ = fitted.labels("classes_")
        return len(self.classes_)


class LSTMRegressor(RegressorMixin, _LSTMEstimator):
    """Sequence regressor: a zoo builder with a linear head, as a scikit-learn estimator.

    `X` is (samples, timesteps, features), or (samples, timesteps) for one
    feature; `y` is (samples,) or (samples, outputs). Targets are standardized
    for training and mapped back by `predict`, so their units do not matter.
    Parameters, attributes, saving and pickling are `LSTMClassifier`'s (no
    `classes_`).

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

    def _fitted_state(self):
        return {
            **super()._fitted_state(),
            "target_ndim": self._target_ndim,
            "target_mean": self._target_scaler.mean_,
            "target_scale": self._target_scaler.scale_,
        }

    def _restore_fitted_state(self, fitted):
        super()._restore_fitted_state(fitted)
        self._target_ndim = fitted.positive_int("target_ndim", allowed=(1, 2))
        mean = fitted.raw("target_mean")
        outputs = len(mean) if self._target_ndim == 2 and isinstance(mean, list) and mean else 1
        scaler = StandardScaler()
        scaler.mean_ = fitted.floats("target_mean", outputs)
        scaler.scale_ = fitted.floats("target_scale", outputs, positive=True)
        scaler.var_ = scaler.scale_**2
        scaler.n_features_in_ = outputs
        scaler.n_samples_seen_ = 0
        self._target_scaler = scaler
        return outputs
