"""What the estimators share: input checks, pickling, and training through
`zoo.training` with a policy built from the estimator's parameters."""

import dataclasses
import os
import tempfile

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted

from zoo import _checks, training
from zoo.sklearn import _saving


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


def check_features(estimator, X, timesteps=None):
    """Raises unless `X` has the features (and timesteps) seen in `fit`."""
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


class KerasModelPickle:
    """Pickles the fitted Keras model in `model_` as `.keras` bytes.

    Unpickling runs code: load a pickle only from a source you trust. For
    files from anywhere, use `save` and `load` (no pickle, Keras's safe mode).
    """

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


class KerasEstimator(KerasModelPickle, BaseEstimator):
    """An estimator around a Keras model: the training parameters, the policy
    they make, `save` and `load`.

    Subclasses define `__init__` (scikit-learn reads the parameters from it),
    `_fitted_state()` (what the JSON keeps besides the parameters and the
    model) and `_restore_fitted_state(fitted)`, both extending this class's.
    """

    def _policy(self, samples):
        """The `zoo.training.Policy` of these parameters for `samples` cases.

        `epochs` caps the run: the step budget (and with it the cosine's span
        and the warm-up, at most a tenth of it) shrinks to what that many
        epochs hold. Integers become Python ints (a grid search may pass NumPy ones, which
        torch's data loader refuses).
        """
        ints = {}
        for name in ("max_steps", "min_steps", "patience_steps", "batch_size", "epochs"):
            value = getattr(self, name)
            optional = name in ("batch_size", "epochs")
            ints[name] = (
                None if optional and value is None else _checks.check_positive_int(name, value)
            )
        rate = self.learning_rate
        rate = float(rate) if isinstance(rate, np.floating) else rate
        floor = training.Policy.min_learning_rate
        if isinstance(rate, int | float) and 0 < rate < floor:
            floor = rate  # a rate set below Policy's floor stays where the user put it
        policy = training.Policy(
            learning_rate=rate,
            batch_size=ints["batch_size"],
            max_steps=ints["max_steps"],
            min_steps=ints["min_steps"],
            patience_steps=ints["patience_steps"],
            max_epochs=ints["epochs"],
            min_learning_rate=floor,
        )
        budget = policy.max_steps
        if policy.max_epochs is not None:
            per_epoch = training.steps_per_epoch(samples, policy.batch_size_for(samples))
            budget = min(budget, policy.max_epochs * per_epoch)
        return dataclasses.replace(
            policy,
            max_steps=budget,
            # an epoch cap on a small set can leave fewer steps than Policy's warm-up
            warmup_steps=min(policy.warmup_steps, budget // 10),
        )

    def _train(self, model, loss, x, y, validation=None):
        """Compiles and fits `model` under this estimator's policy; sets
        `history_`, `n_iter_` (epochs) and `n_steps_` (optimizer steps)."""
        policy = self._policy(len(x))
        training.compile(model, policy, loss=loss)
        self.history_ = training.fit(
            model, x, y, policy=policy, validation_data=validation, verbose=self.verbose
        )
        self.n_iter_ = len(self.history_["loss"])
        per_epoch = training.steps_per_epoch(len(x), policy.batch_size_for(len(x)))
        self.n_steps_ = self.n_iter_ * per_epoch
        return model

    def _seed(self):
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))

    # === Saving ===

    def save(self, path):
        """Writes the fitted estimator to the folder `path`: the Keras model as
        `model.keras` and everything else (parameters, `classes_`, scaler
        numbers, shapes) as `estimator.json`. No pickle: `load` reads it in
        Keras's safe mode and checks every value, so a folder from anywhere
        is safe to load."""
        check_is_fitted(self, "model_")
        _saving.save(path, self, self._fitted_state())

    @classmethod
    def load(cls, path):
        """The estimator `save` wrote to the folder `path`.

        Raises `zoo.InputError` (a `ValueError`) naming the file and the
        entry when `estimator.json` is not what `save` writes or does not
        match the model.
        """
        estimator, fitted, model, json_path = _saving.load(path, cls)
        try:
            outputs = estimator._restore_fitted_state(fitted)
        except _saving.EntryError as error:
            raise error.at(json_path) from None
        _saving.check_model(
            model, json_path, estimator.n_timesteps_in_, estimator.n_features_in_, outputs
        )
        estimator.model_ = model
        estimator._after_load()
        return estimator

    def _check_params(self):
        """Raises `ValueError` naming a bad parameter (run by `fit` and `load`)."""
        self._policy(samples=1)
        _checks.check_rate("validation_fraction", self.validation_fraction)

    def _fitted_state(self):
        """What `save` writes besides the parameters and the model."""
        return {
            "n_features_in_": self.n_features_in_,
            "n_timesteps_in_": self.n_timesteps_in_,
            "history_": self.history_,
            "n_iter_": self.n_iter_,
            "n_steps_": self.n_steps_,
        }

    def _restore_fitted_state(self, fitted):
        """Sets what `_fitted_state` gave from the checked entries of
        `fitted`; returns how many outputs the model must have (None: any)."""
        self.n_features_in_ = fitted.positive_int("n_features_in_")
        self.n_timesteps_in_ = fitted.positive_int("n_timesteps_in_")
        self.history_ = fitted.history("history_")
        self.n_iter_ = fitted.positive_int("n_iter_")
        self.n_steps_ = fitted.positive_int("n_steps_")
        return None
