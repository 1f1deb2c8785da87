"""scikit-learn estimators that accept 3-D sequence arrays (samples, timesteps, features).

scikit-learn's own validation refuses 3-D input, so these check it themselves;
2-D input is read as univariate series (samples, timesteps).
"""

import os
import tempfile

import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from zoo.models.autoencoder import lstm_autoencoder


def as_sequences(X, argument="X"):
    """`X` as float32 (samples, timesteps, features); 2-D is univariate."""
    X = np.asarray(X, dtype="float32")
    if X.ndim == 2:
        X = X[..., None]
    if X.ndim != 3:
        raise ValueError(
            f"Expected `{argument}` of shape (samples, timesteps, features) or "
            f"(samples, timesteps). Received: {argument} with shape {X.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError(f"Expected `{argument}` without NaN or infinite values")
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
