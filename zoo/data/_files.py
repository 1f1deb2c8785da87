"""Loaders for labelled sequences: `.npz`, `.csv` and `.ts` files.

Every loader returns `x`, float32 of shape (samples, timesteps, features), and
`y`, one label per sample. Missing values are NaN; series shorter than the
longest are right-padded with NaN (see `zoo.data.prepare`).
"""

import csv
import math
from pathlib import Path

import numpy as np

from zoo.data._ts import read_ts


def _labels(values):
    """Integer labels where every label reads as an integer, else strings."""
    values = [str(v).strip() for v in values]
    try:
        return np.array([int(v) for v in values])
    except ValueError:
        return np.array(values)


def _stack(path, series):
    """Right-pads (timesteps, features) arrays with NaN into one float32 array."""
    longest = max(len(s) for s in series)
    x = np.full((len(series), longest, series[0].shape[1]), np.nan, dtype="float32")
    for i, s in enumerate(series):
        x[i, : len(s)] = s
    if longest == 0:
        raise ValueError(f"{path}: every series is empty")
    return x


def load_npz(path):
    """Loads arrays `x` ((samples, timesteps[, features])) and `y` from an `.npz`."""
    with np.load(path, allow_pickle=False) as data:
        missing = [key for key in ("x", "y") if key not in data.files]
        if missing:
            raise ValueError(
                f"{path}: expected arrays 'x' and 'y', missing {missing} (found {data.files})"
            )
        x, y = data["x"], data["y"]
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"{path}: 'x' must have 2 or 3 dimensions, got shape {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"{path}: 'x' has {len(x)} samples but 'y' has {len(y)}")
    try:
        x = x.astype("float32")
    except (TypeError, ValueError):
        raise ValueError(f"{path}: 'x' is not numeric (dtype {x.dtype})") from None
    return x, y


def load_csv(path, label_column=None):
    """Loads one univariate series per row, its label in `label_column`.

    Args:
        path: the file. A header row is read as column names when its values
            are not numbers.
        label_column: a column name (needs a header) or a 0-based index;
            `None` means the first column.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [(n, row) for n, row in enumerate(csv.reader(handle), start=1) if row]
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    header = None
    first = rows[0][1]
    if not all(_is_number(cell) for cell in first[1:] if cell.strip()):
        header = [cell.strip() for cell in first]
        rows = rows[1:]
    if not rows:
        raise ValueError(f"{path}: no data rows after the header")
    index = _column_index(path, label_column, header, len(first))
    series, labels = [], []
    for line_number, row in rows:
        if index >= len(row):
            raise ValueError(f"{path}, line {line_number}: no label column {index}")
        labels.append(row[index])
        values = []
        for column, cell in enumerate(row):
            if column == index:
                continue
            cell = cell.strip()
            if cell in ("", "?") or cell.lower() == "nan":
                values.append(math.nan)
            elif _is_number(cell):
                values.append(float(cell))
            else:
                name = header[column] if header and column < len(header) else column
                raise ValueError(
                    f"{path}, line {line_number}: non-numeric value {cell!r} in column {name}"
                )
        while values and math.isnan(values[-1]):
            values.pop()  # trailing blanks: a shorter series
        series.append(np.array(values, dtype="float64").reshape(-1, 1))
    return _stack(path, series), _labels(labels)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column_index(path, label_column, header, width):
    if label_column is None:
        return 0
    if header is not None and str(label_column) in header:
        return header.index(str(label_column))
    try:
        index = int(label_column)
    except ValueError:
        names = header if header is not None else "none (no header row)"
        raise ValueError(
            f"{path}: no label column {label_column!r}; the columns are {names}"
        ) from None
    if not 0 <= index < width:
        raise ValueError(f"{path}: label column {index} out of range (0..{width - 1})")
    return index


def load_ts(path):
    """Loads a UCR/UEA `.ts` file (univariate or multivariate, any length).

    Class labels come back as ints where they all read as integers, else as
    strings; a `@targetLabel true` file gives float targets.
    """
    parsed = read_ts(path)
    if parsed["labels"] is None:
        raise ValueError(f"{path}: the file declares no labels (@classLabel false)")
    x = _stack(path, parsed["series"])
    if parsed["target"]:
        y = np.array([float(v) for v in parsed["labels"]], dtype="float32")
    else:
        y = _labels(parsed["labels"])
    return x, y


def load(path, label_column=None):
    """Loads `path` by its extension: `.npz`, `.csv` or `.ts`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path)
    if suffix == ".csv":
        return load_csv(path, label_column=label_column)
    if suffix == ".ts":
        return load_ts(path)
    raise ValueError(f"{path}: unknown file type {suffix!r}; expected .npz, .csv or .ts")


def check_compatible(train_path, x_train, test_path, x_test):
    """Raises if train and test differ in their number of dimensions (features)."""
    if x_train.shape[2] != x_test.shape[2]:
        raise ValueError(
            f"{test_path}: {x_test.shape[2]} dimensions, but {train_path} has {x_train.shape[2]}"
        )
