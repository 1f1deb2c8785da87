"""Loaders for labelled sequences: `.npz`, `.csv` and `.ts` files.

Every loader returns `x`, float32 of shape (samples, timesteps, features), and
`y`, one label per sample. Missing values are NaN; series shorter than the
longest are right-padded with NaN (see `zoo.data.prepare`).

Nothing is guessed silently: every value of `x` is a finite float32 number or
NaN where the file marks it missing, every series has an observed value, labels
are the strings the file declares (ints only where that changes nothing), and
anything else is a `zoo.InputError` naming the file and the line, column or
index.
"""

import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import FLOAT32_MAX, check_finite, check_finite_targets
from zoo.data._text import csv_rows, is_missing, shown
from zoo.data._ts import read_ts


def _check_labels(path, labels, where):
    """Raises for a missing label (empty or a missing-value marker: `?`, `NA`,
    `nan`, `null`), a label holding a NUL character (NumPy's strings drop
    trailing NULs, which would merge `"a\\x00"` into class `"a"`) and, where
    every label is a number, for one that is not a finite float32 number
    (`inf`, `-inf`, `1e39`), naming `where(i)` of the first; `labels` are
    stripped strings."""
    nul = [i for i, label in enumerate(labels) if "\x00" in label]
    if nul:
        raise InputError(
            f"{path}, {where(nul[0])}: label {shown(labels[nul[0]])} holds a NUL character; "
            f"{len(nul)} such label(s) in all"
        )
    missing = [i for i, label in enumerate(labels) if is_missing(label)]
    if missing:
        i = missing[0]
        raise InputError(
            f"{path}, {where(i)}: the label is missing ({labels[i]!r}); "
            f"{len(missing)} missing label(s) in all"
        )
    if labels and all(_is_number(label) for label in labels):
        numbers = np.array([float(label) for label in labels])
        bad = np.flatnonzero(~np.isfinite(numbers) | (np.abs(numbers) > FLOAT32_MAX))
        if len(bad):
            i = int(bad[0])
            raise InputError(
                f"{path}, {where(i)}: label {shown(labels[i])} is not a finite float32 "
                f"number, in labels that are all numbers; {len(bad)} such label(s) in all"
            )


def _labels(values):
    """Labels as ints where every label is an integer written the way Python
    writes it (so `"01"`, `"+1"` or `"1_0"` keep the labels as strings: two
    distinct strings never become one class), else as strings."""
    values = [str(v).strip() for v in values]
    try:
        numbers = [int(v) for v in values]
    except ValueError:
        return np.array(values)
    if all(str(n) == v for n, v in zip(numbers, values, strict=True)):
        return np.array(numbers)
    return np.array(values)


def _stack(path, series, where):
    """Right-pads (timesteps, features) float arrays with NaN into one array,
    checks it (see `check_finite`; `where` names a value's place in the file)
    and returns it as float32."""
    longest = max(len(s) for s in series)
    x = np.full((len(series), longest, series[0].shape[1]), np.nan)
    for i, s in enumerate(series):
        x[i, : len(s)] = s
    check_finite(x, path=path, where=where)
    return x.astype("float32")


# === .npz ===

# What a damaged archive or array raises in zipfile, zlib and numpy's reader.
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RuntimeError,
    NotImplementedError,
    MemoryError,
    struct.error,
    zlib.error,
)


def _read_npz(path, keys):
    """The arrays `keys` of an `.npz` archive, read without pickles."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(
            f"{path}: not an .npz archive (no zip structure: an empty or truncated file, "
            "or another format such as .npy renamed .npz); write it with numpy.savez"
        ) from None
    except _DAMAGE as error:
        kind = type(error).__name__
        raise InputError(f"{path}: damaged .npz archive ({kind}: {error})") from None
    arrays = {}
    with archive:
        try:
            members = {n.removesuffix(".npy"): n for n in archive.namelist()}
        except _DAMAGE as error:
            raise InputError(f"{path}: damaged .npz archive ({error})") from None
        missing = [key for key in keys if key not in members]
        if missing:
            found = sorted(members)
            raise InputError(
                f"{path}: expected arrays {' and '.join(map(repr, keys))}, missing {missing} "
                f"(found {found})"
            )
        for key in keys:
            arrays[key] = _read_member(path, archive, members[key], key)
    return arrays


def _read_member(path, archive, member, key):
    try:
        with archive.open(member) as stream:
            array = np.lib.format.read_array(stream, allow_pickle=False)
            rest = len(stream.read())  # to the end: the zip's CRC check runs there
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise InputError(
                f"{path}: array '{key}' holds Python objects (a pickled object array), "
                "which are not loaded; save numbers or strings"
            ) from None
        raise InputError(f"{path}: array '{key}' is damaged ({error})") from None
    except _DAMAGE as error:
        raise InputError(
            f"{path}: array '{key}' is damaged ({type(error).__name__}: {error})"
        ) from None
    if rest:
        raise InputError(f"{path}: array '{key}' is damaged ({rest} bytes after its data)")
    return array


def load_npz(path, labels=True):
    """Loads arrays `x` ((samples, timesteps[, features])) and `y` from an `.npz`.

    With `labels=False` only `x` is read (any `y` is ignored) and `y` comes
    back as None: new data to predict.

    `x` must be numeric (bool, int or float); NaN in it is a missing value.
    `y` holds one label per sample (numbers or strings; shape (samples,), or
    (samples, 1), read as one column); float labels, being regression targets
    or codes, must be finite; a string label must not be empty or a
    missing-value marker (`?`, `NA`, `nan`, `null`), and where every label is
    a number written as text, each must be finite. Object arrays are not
    loaded (no pickles).

    Raises:
        zoo.InputError: naming the file, for a damaged, truncated or foreign
            file, a missing array, wrong shapes or dtypes, and (with the index)
            `inf` or out-of-float32-range values.
    """
    arrays = _read_npz(path, ("x", "y") if labels else ("x",))
    x, y = arrays["x"], arrays.get("y")
    if x.dtype.kind not in "biuf":
        raise InputError(f"{path}: 'x' is not numeric (dtype {x.dtype})")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise InputError(
            f"{path}: 'x' must have 2 or 3 dimensions (samples, timesteps[, features]), "
            f"got shape {x.shape}"
        )
    if 0 in x.shape:
        raise InputError(f"{path}: 'x' is empty: shape {x.shape} (samples, timesteps, features)")
    if y is None:
        check_finite(x, path=path)
        return x.astype("float32"), None
    if y.ndim == 0:
        raise InputError(f"{path}: 'y' is a single value (shape ()); expected one label per sample")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # (samples, 1): a column holding one label per sample
    if y.ndim != 1:
        raise InputError(
            f"{path}: 'y' must hold one label per sample (shape (samples,)), got shape {y.shape}"
        )
    if y.dtype.kind == "S":
        try:
            y = np.char.decode(y, "utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: 'y' holds byte strings that are not UTF-8") from None
    if y.dtype.kind not in "biufU":
        raise InputError(f"{path}: 'y' must hold numbers or strings, got dtype {y.dtype}")
    if len(y) != len(x):
        raise InputError(f"{path}: 'x' has {len(x)} samples but 'y' has {len(y)}")
    if y.dtype.kind == "f":
        check_finite_targets(y, path=path)
    if y.dtype.kind == "U":
        _check_labels(path, [label.strip() for label in y], lambda i: f"'y' index ({i})")
    check_finite(x, path=path)
    return x.astype("float32"), y


# === .csv ===


def load_csv(path, label_column=None, header=None):
    """Loads one univariate series per row, its label in `label_column`.

    Cells that are empty, `?`, `NA`, `nan` or `null` (any case) are missing
    values (NaN); missing cells at the end of a row make a shorter series. The
    file is UTF-8, with or without a byte-order mark.

    Args:
        path: the file.
        label_column: a column name (needs a header) or a 0-based index;
            `None` means the first column. A label cell that is empty or a
            missing-value marker (`?`, `NA`, `nan`, `null`) is an error (a
            missing label); other text is a class name. Where every label is
            a number, each must be a finite float32 number (`inf` is an
            error naming its line).
        header: `True` (the first row names the columns), `False` (it is
            data), or `None`, the rule: the first row is a header when
            `label_column` names one of its cells, or when its cells outside
            the label column, missing-value markers aside, are all text (not
            numbers); it is data when they are all numbers or missing. A
            first data row holding `?`, `NA` or empty cells is therefore never
            taken for a header. A first row mixing text and numbers is an
            error asking for `header=`, and a header whose names all read as
            numbers (`label,0,1,2`) needs `header=True`.

    Raises:
        zoo.InputError: naming the file and line (and column) of the problem.
    """
    if header not in (None, True, False):
        raise InputError(
            f"Expected `header` to be True, False or None. Received: header={header!r}"
        )
    rows = csv_rows(path)
    if not rows:
        raise InputError(f"{path}: the file is empty")
    first = [cell.strip() for cell in rows[0][1]]
    by_name = label_column is not None and not _is_int(label_column)
    if header is None:
        header = _is_header(path, rows[0][0], first, label_column, by_name)
    names = first if header else None
    if header:
        rows = rows[1:]
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    index = _column_index(path, label_column, names, len(first))
    lines = [line for line, _ in rows]
    series, labels = [], []
    for line_number, row in rows:
        if index >= len(row):
            raise InputError(
                f"{path}, line {line_number}: no label column {index} "
                f"(the row has {len(row)} cells)"
            )
        label = row[index].strip()
        if is_missing(label):
            raise InputError(
                f"{path}, line {line_number}: the label (column {_name(names, index)}) is "
                f"missing ({shown(label)})"
            )
        labels.append(label)
        values = []
        for column, cell in enumerate(row):
            if column == index:
                continue
            if is_missing(cell):
                values.append(np.nan)
            elif _is_number(cell):
                values.append(float(cell))
            else:
                raise InputError(
                    f"{path}, line {line_number}: non-numeric value {shown(cell.strip())} in "
                    f"column {_name(names, column)}{_quote_hint(cell)}"
                )
        while values and np.isnan(values[-1]):
            values.pop()  # trailing blanks: a shorter series
        series.append(np.array(values, dtype="float64").reshape(-1, 1))

    def where(i):
        if len(i) == 1:
            return f"line {lines[i[0]]}"
        column = i[1] if i[1] < index else i[1] + 1  # the label column is not in x
        return f"line {lines[i[0]]}, column {_name(names, column)}"

    _check_labels(path, labels, lambda i: f"line {lines[i]} (column {_name(names, index)})")
    return _stack(path, series, where), _labels(labels)


def _quote_hint(cell):
    """A note for a cell that holds line breaks: a quote that was never closed
    swallows the lines after it into one cell."""
    if "\n" not in cell and "\r" not in cell:
        return ""
    lines = cell.count("\n") + 1
    return f" (a quoted cell of {lines} lines: is a quote mark left unclosed?)"


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_int(value):
    """Whether `value` is a column index: an int, or a string of one."""
    if isinstance(value, str):
        return value.strip().removeprefix("-").isdigit()
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_header(path, line, first, label_column, by_name):
    """The header rule of `load_csv`; a first row of both names and numbers raises."""
    if by_name and str(label_column).strip() in first:
        return True
    skip = None if by_name else (0 if label_column is None else int(label_column))
    cells = [cell for j, cell in enumerate(first) if j != skip and not is_missing(cell)]
    names = [cell for cell in cells if not _is_number(cell)]
    if names and len(names) < len(cells):
        numbers = [cell for cell in cells if _is_number(cell)]
        raise InputError(
            f"{path}, line {line}: the first row holds both text ({names[0]!r}) and numbers "
            f"({numbers[0]!r}), so it is neither clearly a header nor clearly data; "
            "pass header=True or header=False"
        )
    return bool(names)


def _name(names, column):
    """A column as the messages name it: its header name, else its 0-based index."""
    if names is not None and column < len(names) and names[column]:
        return names[column]
    return str(column)


def _column_index(path, label_column, header, width):
    if label_column is None:
        return 0
    if header is not None and str(label_column).strip() in header:
        return header.index(str(label_column).strip())
    if not _is_int(label_column):
        names = header if header is not None else "none (no header row)"
        raise InputError(
            f"{path}: no label column {label_column!r} (label_column=); the columns are {names}"
        )
    index = int(label_column)
    if not 0 <= index < width:
        raise InputError(
            f"{path}: label column {index} out of range (0..{width - 1}); "
            f"Received: label_column={label_column!r}"
        )
    return index


# === .ts ===


def load_ts(path):
    """Loads a UCR/UEA `.ts` file (univariate or multivariate, any length).

    `?` and `NaN` are missing values. Class labels come back as ints where
    every label is an integer written the way Python writes it, else as the
    declared strings (`1` and `01` stay two classes); a `@targetLabel true`
    file gives float32 targets, which must be finite.

    Raises:
        zoo.InputError: naming the file and line of the problem.
    """
    parsed = read_ts(path)
    if parsed["labels"] is None:
        raise InputError(f"{path}: the file declares no labels (@classLabel false)")
    lines = parsed["lines"]

    def where(i):
        if len(i) == 1:
            return f"line {lines[i[0]]}"
        return f"line {lines[i[0]]}, dimension {i[2]}, value {i[1]}"

    x = _stack(path, parsed["series"], where)
    if parsed["target"]:
        y = np.array(parsed["labels"], dtype="float64")
        check_finite_targets(y, path=path, where=lambda i: f"line {lines[i[0]]}")
        y = y.astype("float32")
    else:
        y = _labels(parsed["labels"])
    return x, y


def load(path, label_column=None):
    """Loads `path` by its extension: `.npz`, `.csv` or `.ts`.

    `label_column` applies to `.csv` files only (see `load_csv`).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: a folder, not a file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".csv", ".ts"):
        raise InputError(f"{path}: unknown file type {suffix!r}; expected .npz, .csv or .ts")
    if label_column is not None and suffix != ".csv":
        raise InputError(
            f"{path}: label_column= applies to .csv files only; a {suffix} file holds its "
            f"labels. Received: label_column={label_column!r}"
        )
    if suffix == ".npz":
        return load_npz(path)
    if suffix == ".csv":
        return load_csv(path, label_column=label_column)
    return load_ts(path)


def check_compatible(train_path, x_train, test_path, x_test):
    """Raises if train and test differ in their number of dimensions (features)."""
    if x_train.shape[2] != x_test.shape[2]:
        raise InputError(
            f"{test_path}: {x_test.shape[2]} dimensions, but {train_path} has {x_train.shape[2]}"
        )
