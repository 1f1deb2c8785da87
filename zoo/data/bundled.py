"""Real datasets that ship with the package or its dependencies; nothing downloads."""

from pathlib import Path

import numpy as np

from zoo.data._tables import read_series_csv


def load_digits():
    """scikit-learn's handwritten digits (1,797 8x8 images, 10 classes) as sequences.

    Each image reads as 8 time steps (its rows, top to bottom) of 8 features
    (the pixels of the row), the way sequential MNIST reads image rows as time
    steps. The data ships inside scikit-learn (UCI ML hand-written digits,
    E. Alpaydin and C. Kaynak, 1998; CC BY 4.0).

    Returns:
        `(x, y)`: float32 of shape (1797, 8, 8) scaled to [0, 1], int labels.
    """
    from sklearn.datasets import load_digits as _sklearn_digits

    digits = _sklearn_digits()
    x = (digits.images / 16.0).astype("float32")
    return x, digits.target.astype(np.int64)


FILES = Path(__file__).resolve().parent / "files"


def sunspots_path():
    """The bundled yearly sunspot numbers, 1700-2008 (public domain; see files/README.md)."""
    return FILES / "sunspots.csv"


def load_sunspots():
    """Yearly mean sunspot numbers 1700-2008 as a `SeriesTable`.

    Column `SUNACTIVITY` (309 values, an ~11-year cycle), dates from `YEAR`.
    """
    return read_series_csv(sunspots_path(), date_column="YEAR")
