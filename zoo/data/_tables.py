"""A table of series read from a CSV file: one column per series, one row per
time step, an optional date column. Every problem is a `zoo.InputError`
naming the file, line and column; a missing value is an error unless a fill
rule is asked for (`FILLS`)."""

import math
from dataclasses import dataclass, field

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import check_finite
from zoo.data._text import csv_rows, is_missing, shown

FILLS = ("forward", "interpolate")


@dataclass
class SeriesTable:
    """Columns of a CSV file: `values[name]` float64 arrays, `dates` or None.

    `text` maps each column left out for holding text to where its first text
    cell is (`"line 3: 'x'"`), so that naming it says why it is not numeric.
    """

    path: str
    names: list
    values: dict
    dates: np.ndarray | None = None
    text: dict = field(default_factory=dict)

    def columns(self, names, argument):
        """The named columns stacked as (rows, len(names)); unknown names raise an
        `InputError` naming `argument` (the caller's name for `names`)."""
        missing = [n for n in names if n not in self.values]
        for name in missing:
            if name in self.text:
                raise InputError(
                    f"{self.path}, {self.text[name]}: {argument} names column {name!r}, which "
                    "holds text, so it is not a numeric series"
                )
        if missing:
            raise InputError(
                f"{self.path}: {argument} names unknown column(s) {missing}; "
                f"the numeric columns are {list(self.values)}"
            )
        return np.stack([self.values[n] for n in names], axis=1)


def read_series_csv(path, date_column=None, fill=None):
    """Reads a CSV with a header row, one column per series, one row per time.

    The file is UTF-8, with or without a byte-order mark. Cells that are empty,
    `?`, `NA`, `NaN` or `null` (any case) are missing values. Every other value
    of a numeric column must be a finite float32 number: `inf` or `1e39` is an
    error naming its line and column.

    Args:
        path: the file.
        date_column: a column kept as text for plot axes and output files
            (not used as a model input); by default none.
        fill: how to fill empty, `NA` or `NaN` cells: `"forward"` (the last
            observed value; leading gaps take the first observed value) or
            `"interpolate"` (linear between neighbours). `None` makes a missing
            value an error naming its column and line.

    Returns:
        A `SeriesTable` of the numeric columns. Columns holding text other than
        missing markers are left out; naming one later raises (`columns`).

    Raises:
        zoo.InputError: naming the file, and the line and column where there is one.
    """
    if fill not in (None, *FILLS):
        raise InputError(
            f"Expected `fill` to be one of {list(FILLS)} or None. Received: fill={fill!r}"
        )
    rows = csv_rows(path)
    if not rows:
        raise InputError(f"{path}: the file is empty")
    header_line, header = rows[0][0], [cell.strip() for cell in rows[0][1]]
    rows = rows[1:]
    seen = {}
    for j, name in enumerate(header):
        if name in seen:
            raise InputError(
                f"{path}, line {header_line}: column name {name!r} appears "
                f"twice (columns {seen[name]} and {j})"
            )
        seen[name] = j
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    if date_column is not None and date_column not in header:
        raise InputError(
            f"{path}: date_column={date_column!r} is not a column; the columns are {header}"
        )
    for line, row in rows:
        if len(row) != len(header):
            raise InputError(
                f"{path}, line {line}: {len(row)} cells, but the header has {len(header)}"
            )
    lines = [line for line, _ in rows]
    raw, text = {}, {}
    for j, name in enumerate(header):
        if name == date_column:
            continue
        parsed = [_number(row[j]) for _, row in rows]
        if any(v is _TEXT for v in parsed):
            k = next(k for k, v in enumerate(parsed) if v is _TEXT)
            text[name] = f"line {lines[k]}: {shown(rows[k][1][j].strip())}"
            continue
        raw[name] = np.array([math.nan if v is None else v for v in parsed], dtype="float64")
    if raw:
        numeric = list(raw)
        check_finite(
            np.stack([raw[name] for name in numeric], axis=1),
            path=path,
            where=lambda i: f"line {lines[i[0]]}, column {numeric[i[1]]!r}",
            require_observed=False,
        )
    values = {name: _fill(path, name, column, lines, fill) for name, column in raw.items()}
    dates = None
    if date_column is not None:
        j = header.index(date_column)
        dates = np.array([row[j].strip() for _, row in rows])
    return SeriesTable(str(path), list(values), values, dates, text)


_TEXT = object()


def _number(cell):
    cell = cell.strip()
    if is_missing(cell):
        return None
    try:
        return float(cell)
    except ValueError:
        return _TEXT


def _fill(path, name, column, lines, fill):
    missing = np.isnan(column)
    if not missing.any():
        return column
    if missing.all():
        raise InputError(f"{path}: column {name!r} has no values (every cell is missing)")
    if fill is None:
        first = int(np.argmax(missing))
        raise InputError(
            f"{path}, line {lines[first]}: column {name!r} is missing a value "
            f"({int(missing.sum())} missing in all); pass fill='forward' or fill='interpolate'"
        )
    steps = np.arange(len(column))
    if fill == "interpolate":
        column = column.copy()
        column[missing] = np.interp(steps[missing], steps[~missing], column[~missing])
        return column
    # forward: index of the last observed value at or before each row
    last = np.where(missing, 0, steps)
    np.maximum.accumulate(last, out=last)
    filled = column[last]
    first_observed = int(np.argmax(~missing))
    filled[:first_observed] = column[first_observed]
    return filled
