"""Published datasets by name, through aeon's loaders (the `datasets` extra).

The UCR/UEA classification, TSER regression and forecasting sets that aeon's
wheel ships load offline with their official train/test split; any other UCR,
UEA or TSER name is downloaded and cached by aeon where the machine has a
network, and otherwise fails with one line.
"""

import numpy as np

from zoo._errors import InputError

SHIPPED = {
    "classification": (
        "ACSF1",
        "ArrowHead",
        "BasicMotions",
        "GunPoint",
        "ItalyPowerDemand",
        "JapaneseVowels",
        "OSULeaf",
        "PickupGestureWiimoteZ",
        "UnitTest",
    ),
    "regression": ("CardanoSentiment", "Covid3Month"),
}
# name: (aeon loader, season length in rows, what a row is)
FORECASTING = {
    "Airline": ("load_airline", 12, "month"),
    "Lynx": ("load_lynx", 10, "year"),
    "PBS": ("load_PBS_dataset", 12, "month"),
    "ShampooSales": ("load_shampoo_sales", 12, "month"),
}


def _aeon():
    try:
        import aeon.datasets
    except ImportError:
        raise InputError("datasets by name need aeon: pip install 'lstm-zoo[datasets]'") from None
    return aeon.datasets


def known_names(task):
    """Every name aeon knows for `task` ("classification" or "regression")."""
    _aeon()  # the clear error when aeon is missing
    if task == "classification":
        from aeon.datasets import tsc_datasets as lists

        groups = ("univariate", "multivariate", "univariate2015", "UCR2019", "UEA")
    else:
        from aeon.datasets import tser_datasets as lists

        groups = ("tser_soton", "tser_monash")
    names = set(SHIPPED[task])
    for group in groups:
        names.update(getattr(lists, group, ()))
    return names


def load_published(name, task="classification"):
    """The official split of a published dataset: `(x_train, y_train, x_test, y_test)`.

    `x_*` are float32 arrays (samples, timesteps, features), right-padded with
    NaN where series differ in length (like `zoo.data.load`); `y_*` are string
    class labels (classification) or float targets (regression).

    Args:
        name: str. A UCR/UEA classification or TSER regression dataset name,
            e.g. `"GunPoint"`, `"JapaneseVowels"`, `"Covid3Month"`.
        task: `"classification"` or `"regression"`.
    """
    if task not in SHIPPED:
        raise InputError(f"Expected `task` to be one of {list(SHIPPED)}. Received: task={task!r}")
    datasets = _aeon()
    if name not in known_names(task):
        shipped = ", ".join(SHIPPED[task])
        raise InputError(f"unknown {task} dataset {name!r}; the ones aeon ships offline: {shipped}")
    loader = datasets.load_classification if task == "classification" else datasets.load_regression
    parts = []
    for split in ("train", "test"):
        try:
            x, y = loader(name, split=split)
        except Exception as error:  # aeon raises many kinds when a download fails
            raise InputError(
                f"dataset {name!r} is not shipped with aeon and could not be downloaded "
                f"({type(error).__name__}: {error})"
            ) from None
        parts += [_sequences(x), _targets(y, task)]
    return tuple(parts)


def load_published_series(name):
    """A forecasting series aeon ships: `(values (rows, 1) float64, season, row unit)`."""
    if name not in FORECASTING:
        raise InputError(
            f"unknown forecasting dataset {name!r}; the ones aeon ships: {', '.join(FORECASTING)}"
        )
    loader, season, unit = FORECASTING[name]
    values = np.asarray(getattr(_aeon(), loader)(), dtype="float64").reshape(-1, 1)
    return values, season, unit


def _sequences(x):
    """aeon's (n, channels, length) array, or list of (channels, length) arrays,
    as (n, length, channels) float32, right-padded with NaN."""
    series = [np.asarray(case, dtype="float64").T for case in x]
    longest = max(len(s) for s in series)
    out = np.full((len(series), longest, series[0].shape[1]), np.nan, dtype="float32")
    for i, s in enumerate(series):
        out[i, : len(s)] = s
    return out


def _targets(y, task):
    y = np.asarray(y)
    return y.astype(str) if task == "classification" else y.astype("float64")
