"""Every preparation a run fits on its training data and replays on new data:
the training recipes call these, and `recipes.predict` calls the same ones
with the numbers run.json saved (nothing refit)."""

from typing import NamedTuple

import numpy as np
from sklearn.preprocessing import LabelEncoder

from recipes import _data
from zoo import data


class Prepared(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    dataset: str
    normalization: str  # --normalize with "auto" decided
    scaler: object  # the per-channel scaler of "global", else None
    padded: bool  # whether any sequence is padded (the model then masks)
    encoder: LabelEncoder  # fitted on the training labels


def load_prepared(*, train, test, dataset, label_column, normalize, seed):
    """The labelled data of `_cli.labelled_flags` (`dataset` or `train [test]`),
    checked and prepared by `normalize`, as every classifier recipe reads it
    (`seed` splits a test quarter off `train` when there is no `test`)."""
    x_train, y_train, x_test, y_test, dataset = _data.labelled(
        train=train, test=test, dataset=dataset, label_column=label_column, seed=seed
    )
    _data.check_classes(y_train, dataset)
    _data.check_test_classes(y_train, y_test, dataset)
    x_train, x_test = data.same_length(x_train, x_test)
    normalization = resolve_normalization(normalize, x_train)
    # global: one scaler per channel, fit on the training steps (NaN ignored, kept)
    scaler = sequence_scaler("standard", x_train) if normalization == "global" else None
    x_train, padded_train = prepare_labelled(x_train, normalization, scaler)
    x_test, padded_test = prepare_labelled(x_test, normalization, scaler)
    encoder = LabelEncoder().fit(y_train)
    return Prepared(
        x_train,
        y_train,
        x_test,
        y_test,
        dataset,
        normalization,
        scaler,
        padded_train or padded_test,
        encoder,
    )


def resolve_normalization(normalize, x_train):
    """`--normalize` with "auto" decided: "series" for univariate data, else "global"."""
    if normalize == "auto":
        return "series" if x_train.shape[2] == 1 else "global"
    return normalize


def prepare_labelled(x, normalization, scaler=None):
    """Sequences (n, steps, features) as the model reads them, and whether any
    is padded: per-channel `scaler` for "global", else `zoo.data.prepare`'s
    per-series normalisation (`normalization` "series", "channel" or "none").
    `recipes.predict` replays it on new data."""
    if normalization == "global":
        x = scale_sequences(scaler, x)
    return data.prepare(x, normalize=None if normalization in ("global", "none") else normalization)


def prepare_sequences(x, scaler):
    """Series (n, steps, features) as the series-to-number model reads them
    (per-feature `scaler`, gaps filled, padding marked), and whether any is
    padded. `recipes.predict` replays it on new data."""
    return data.prepare(scale_sequences(scaler, x), normalize=None)


def sequence_scaler(kind, fit_on):
    """A `kind` scaler fit per feature on every step of `fit_on` (n, steps,
    features); NaN (missing, padding) is ignored by the fit."""
    return data.make_scaler(kind).fit(fit_on.reshape(-1, fit_on.shape[2]))


def scale_sequences(scaler, x):
    """(n, steps, features) through a fitted per-feature scaler, as float32."""
    return scaler.transform(x.reshape(-1, x.shape[2])).reshape(x.shape).astype("float32")
