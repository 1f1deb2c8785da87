"""`LSTMAutoencoder`: unsupervised sequence embeddings as a scikit-learn transformer."""

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from zoo.models.autoencoder import lstm_autoencoder
from zoo.sklearn._base import KerasEstimator, as_sequences, check_features


class LSTMAutoencoder(TransformerMixin, KerasEstimator):
    """Unsupervised sequence embeddings: `transform` returns the latent vectors.

    `fit(X)` trains `zoo.lstm_autoencoder` to reconstruct `X` through
    `zoo.training` (the recipes' policy; see `LSTMClassifier` for how the
    step parameters act); `transform(X)` runs its encoder. Use it before any
    scikit-learn classifier:

    >>> pipe = make_pipeline(LSTMAutoencoder(latent_dim=8), LogisticRegression())
    >>> pipe.fit(X_train, y_train).score(X_test, y_test)

    Args:
        latent_dim, encoder_units, decoder_units, reverse, conditional: as in
            `zoo.lstm_autoencoder`.
        epochs, max_steps, min_steps, patience_steps, batch_size,
            learning_rate, validation_fraction, random_state, verbose: as in
            `LSTMClassifier`. Nothing is held out by default: the whole step
            budget runs on a cosine schedule, reconstruction rarely overfits.

    Attributes: `model_` (the autoencoder), `encoder_` (its encoder),
    `history_`, `loss_curve_` (the training loss per epoch), `n_iter_`,
    `n_steps_`, `n_features_in_`, `n_timesteps_in_`.

    Saving: `save(folder)` and `LSTMAutoencoder.load(folder)`, safe for files
    from anywhere; unpickling runs code, unpickle only what you trust.
    """

    def __init__(
        self,
        latent_dim=16,
        encoder_units=(64,),
        decoder_units=(64,),
        reverse=True,
        conditional=False,
        *,
        epochs=None,
        max_steps=1000,
        min_steps=200,
        patience_steps=200,
        batch_size=None,
        learning_rate=3e-3,
        validation_fraction=0.0,
        random_state=None,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.encoder_units = encoder_units
        self.decoder_units = decoder_units
        self.reverse = reverse
        self.conditional = conditional
        self.epochs = epochs
        self.max_steps = max_steps
        self.min_steps = min_steps
        self.patience_steps = patience_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        X = as_sequences(X)
        self._check_params()
        self._seed()
        model = lstm_autoencoder(
            X.shape[1:],
            latent_dim=self.latent_dim,
            encoder_units=self.encoder_units,
            decoder_units=self.decoder_units,
            reverse=self.reverse,
            conditional=self.conditional,
        )
        fit_x, validation = X, None
        held_out = int(np.ceil(self.validation_fraction * len(X)))
        if 1 <= held_out < len(X):
            order = np.random.default_rng(self.random_state).permutation(len(X))
            fit_x, validation = X[order[held_out:]], (X[order[:held_out]],) * 2
        self.model_ = self._train(model, "mse", fit_x, fit_x, validation)
        self.n_features_in_ = X.shape[2]
        self.n_timesteps_in_ = X.shape[1]
        self._after_load()
        return self

    def _after_load(self):
        self.encoder_ = self.model_.get_layer("encoder")
        self.loss_curve_ = self.history_["loss"]

    def transform(self, X):
        """The latent vector of each sequence, (samples, latent_dim)."""
        X = self._checked(X)
        return self.encoder_.predict(X, verbose=0, batch_size=256)

    def reconstruct(self, X):
        """The model's reconstruction of `X`, in the input's order."""
        X = self._checked(X)
        return self.model_.predict(X, verbose=0, batch_size=256)

    def _checked(self, X):
        check_is_fitted(self, "model_")
        X = as_sequences(X)
        check_features(self, X, self.n_timesteps_in_)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.non_deterministic = True
        return tags
