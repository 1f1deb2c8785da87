"""Checks of arguments and of loaded values; every one raises `zoo.InputError`."""

import numbers

import numpy as np

from zoo._errors import InputError

FLOAT32_MAX = float(np.finfo(np.float32).max)


def positive_int(name, value, minimum=1):
    """`value` as an int, or an `InputError` naming the argument."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise InputError(
            f"Expected `{name}` to be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def _at_index(name):
    return lambda index: f"'{name}' index (" + ", ".join(str(int(i)) for i in index) + ")"


def check_finite(x, path=None, where=None, name="x", require_observed=True):
    """Raises unless `x` holds only finite float32 values, NaN marking missing ones,
    and every series has at least one observed value.

    `inf`, `-inf` and values beyond the float32 range (such as `1e39`, which a
    model's float32 input would turn into `inf`) are errors; NaN is a missing
    value, filled later by `zoo.data.prepare`. A series with no observed value
    at all is an error too: nothing in it could be filled or learnt from.

    Args:
        x: array of shape (samples, timesteps, features), or (samples, timesteps).
        path: the file `x` came from, named first in the message.
        where: a function from an index of `x` (a tuple) to where that value
            sits in the file, such as `"line 12, column 3"`; by default
            `"'x' index (i, j, k)"`.
        name: what the messages call `x`.
        require_observed: whether a series (a slice `x[i]`) with every value
            missing is an error.

    Returns:
        `x`, unchanged.

    Raises:
        zoo.InputError: `"{path}, {where}: inf is not a finite float32 number;
            3 such value(s) in all"` or `"{path}, {where}: series 4 has no
            observed value (every value is missing); 1 such series in all"`.
    """
    where = where or _at_index(name)
    prefix = f"{path}, " if path is not None else ""
    values = np.asarray(x)
    if values.dtype.kind not in "biuf":
        raise InputError(f"{path or name}: '{name}' is not numeric (dtype {values.dtype})")
    if values.dtype.kind == "f":
        bad = np.isinf(values)
        if values.dtype.itemsize > 4:  # float16 and float32 cannot pass the float32 range
            bad |= np.abs(np.nan_to_num(values)) > FLOAT32_MAX
    else:
        bad = np.abs(values.astype("float64")) > FLOAT32_MAX
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(
            f"{prefix}{where(first)}: {values[first]!s} is not a finite float32 number; "
            f"{int(bad.sum())} such value(s) in all"
        )
    if require_observed and values.ndim >= 2 and values.dtype.kind == "f" and len(values):
        observed = ~np.isnan(values).reshape(len(values), -1).all(axis=1)
        if not observed.all():
            sample = int(np.argmin(observed))
            raise InputError(
                f"{prefix}{where((sample,))}: series {sample} has no observed "
                f"value (every value is missing); {int((~observed).sum())} such series in all"
            )
    return x


def check_finite_targets(y, path=None, where=None, name="y"):
    """Raises unless every regression target in `y` is a finite float32 number
    (NaN is not allowed: a target cannot be missing).

    `where` maps an index of `y` (a tuple) to its place in the file, as in
    `check_finite`. Returns `y`, unchanged.
    """
    where = where or _at_index(name)
    prefix = f"{path}, " if path is not None else ""
    values = np.asarray(y, dtype="float64")
    bad = ~np.isfinite(values) | (np.abs(np.nan_to_num(values)) > FLOAT32_MAX)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(
            f"{prefix}{where(first)}: regression target {values[first]!s} is not a finite "
            f"float32 number; {int(bad.sum())} such target(s) in all"
        )
    return y
