"""Turning loaded sequences into model input: missing values, normalisation, padding."""

import numpy as np

from zoo._errors import InputError

MASK_VALUE = -1000.0
"""What padded steps hold after `prepare`; build models with this `mask_value`."""


def lengths(x):
    """The number of steps before the trailing all-NaN padding of each series."""
    observed = ~np.isnan(x).all(axis=2)
    any_observed = observed.any(axis=1)
    last = x.shape[1] - np.argmax(observed[:, ::-1], axis=1)
    return np.where(any_observed, last, 0)


NORMALIZE = ("series", "channel", None)


def prepare(x, normalize="series"):
    """Fills missing values, z-normalises each series and marks the padding.

    Missing values (NaN inside a series) are filled by linear interpolation
    along time (the nearest value at the edges; 0 where a dimension is all
    missing). With `normalize`, each series and dimension is scaled to zero
    mean and unit variance over its own observed steps (constant ones become
    0), which makes series of different offsets and scales comparable:
    `"series"` uses one mean and deviation per series (its channels keep their
    relative scale), `"channel"` one per series and channel (for channels in
    unrelated units), `None` leaves values as they are.
    Padded steps (after each series' end) are set to `MASK_VALUE`.

    Returns:
        `(x, padded)`: the float32 array and whether any series is padded.
    """
    x = np.array(x, dtype="float64", copy=True)
    n, timesteps, features = x.shape
    ends = lengths(x)
    steps = np.arange(timesteps)
    for i in range(n):
        end = ends[i]
        for d in range(features):
            values = x[i, :end, d]
            missing = np.isnan(values)
            if missing.all():
                values[:] = 0.0
            elif missing.any():
                values[missing] = np.interp(
                    steps[:end][missing], steps[:end][~missing], values[~missing]
                )
    if normalize not in NORMALIZE:
        raise InputError(
            f"Expected `normalize` to be one of {list(NORMALIZE)}. "
            f"Received: normalize={normalize!r}"
        )
    if normalize:
        valid = np.broadcast_to((steps[None, :] < ends[:, None])[..., None], x.shape)
        axes = (1, 2) if normalize == "series" else (1,)
        counts = np.maximum(valid.sum(axis=axes, keepdims=True), 1)
        mean = np.where(valid, x, 0.0).sum(axis=axes, keepdims=True) / counts
        centred = np.where(valid, x - mean, 0.0)
        std = np.sqrt((centred**2).sum(axis=axes, keepdims=True) / counts)
        x = np.divide(centred, std, out=np.zeros_like(centred), where=std > 1e-8)
    padded = ends < timesteps
    for i in np.flatnonzero(padded):
        x[i, ends[i] :] = MASK_VALUE
    return x.astype("float32"), bool(padded.any())


def flatten_for_baseline(x):
    """2-D features for scikit-learn baselines: padding becomes 0, steps flattened."""
    x = np.where(x == MASK_VALUE, 0.0, x)
    return x.reshape(len(x), -1)


def same_length(*arrays):
    """Right-pads (samples, timesteps, features) arrays with NaN to the longest length."""
    longest = max(a.shape[1] for a in arrays)
    return [
        np.pad(a, ((0, 0), (0, longest - a.shape[1]), (0, 0)), constant_values=np.nan)
        for a in arrays
    ]
