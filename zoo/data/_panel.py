"""Forecasting panels: many series, each with its dates and covariates.

A `Panel` is a list of `Series`; each holds its target values, its dates (or
None), past-only covariates, known-future covariates and static values. The
readers check everything a forecast depends on and turn every problem into a
`zoo.InputError` naming the file, the series and the line (the header is line
1), never dropping a row silently. The rules:

- Order: a series' rows must come in date order. With `sort=True` each
  series' rows are sorted by date (a stable sort) and kept in that order;
  without it, a date earlier than the one before is an error. Without a date
  column, the row order is the time order.
- Duplicates: two rows of one series with the same date are an error.
- Gaps: a panel has one frequency. It is inferred with `pandas.infer_freq` on
  the longest series (or given as `freq=`), and every series must step by it
  from its first date: a missing date or an irregular step is an error at its
  line, and a series stepping by another frequency is an error naming both.
  Anchors follow each series: yearly series starting in July and in January
  share the frequency "YS", weekly series ending on Mondays and on Sundays
  share "W". `Panel.freq` is that alias without its anchor.
- Missing values: an empty, `?`, `NA`, `NaN` or `null` cell is an error unless
  `fill` is "forward" or "interpolate" (as in `read_series_csv`). In a wide
  table (one column per series) the empty cells before a series' first value
  and after its last are where the series has not begun or has ended: it is
  cut to its observed span first, so series of different spans share one table.
- Length: a series needs at least 2 values.
- Blank lines, and rows whose cells are all empty, are no rows.

Line numbers count the line breaks inside quoted cells. pandas parses the
files; numpy holds the values. Nothing here imports pandas until it is used.
"""

import csv
import functools
import importlib.util
import re
import warnings
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import FLOAT32_MAX, positive_int
from zoo.data._tables import FILLS, _fill
from zoo.data._text import MISSING, shown

# === Types ===


@dataclass
class Series:
    """One series of a panel.

    Attributes:
        id: str. Its name in the data (the id cell, the column name, the
            .tsf series_name).
        target: float64 (T,). The values to forecast.
        dates: datetime64[us] (T,), or None where the data has no dates.
        past: float64 (T, P) covariates known only up to each step, or None.
        future: float64 (T, F) covariates known ahead (holidays, promotions),
            or None.
        static: float64 (S,) values fixed for the series, or None.
    """

    id: str
    target: np.ndarray
    dates: np.ndarray | None = None
    past: np.ndarray | None = None
    future: np.ndarray | None = None
    static: np.ndarray | None = None

    def __post_init__(self):
        self.id = str(self.id)
        self.target = np.asarray(self.target, dtype="float64").reshape(-1)
        steps = len(self.target)
        if self.dates is not None:
            self.dates = np.asarray(self.dates, dtype="datetime64[us]").reshape(-1)
            _same_steps(self.id, "dates", len(self.dates), steps)
        for name in ("past", "future"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value, dtype="float64")
                value = value.reshape(steps, -1) if value.ndim < 2 else value
                _same_steps(self.id, name, len(value), steps)
                setattr(self, name, value)
        if self.static is not None:
            self.static = np.asarray(self.static, dtype="float64").reshape(-1)

    def __len__(self):
        return len(self.target)


def _same_steps(sid, name, rows, steps):
    if rows != steps:
        raise InputError(f"series {sid!r}: {name} has {rows} steps, but the target has {steps}")


@dataclass
class Panel:
    """Series that share a frequency and their covariates' names.

    Attributes:
        series: list of `Series`, in the order of the data.
        name: str. The dataset's name (the file's stem, the .tsf @relation).
        freq: str or None. The pandas offset alias of the steps ("YS", "MS",
            "W", "D", "h", ...), without its anchor, or None without dates.
        season: int or None. The season length in steps, where known.
        horizon: int or None. The published forecast horizon, where known.
        past_names, future_names, static_names: tuples of str naming the
            columns of every series' `past`, `future` and `static`.
    """

    series: list
    name: str = "panel"
    freq: str | None = None
    season: int | None = None
    horizon: int | None = None
    past_names: tuple = ()
    future_names: tuple = ()
    static_names: tuple = ()

    def __len__(self):
        return len(self.series)

    def __iter__(self):
        return iter(self.series)

    def __getitem__(self, key):
        """A series by position (int) or by id (str); a slice gives a Panel."""
        if isinstance(key, slice):
            return replace(self, series=self.series[key])
        if isinstance(key, str):
            for series in self.series:
                if series.id == key:
                    return series
            shown_ids = self.ids[:10] + (["..."] if len(self) > 10 else [])
            raise InputError(f"{self.name}: no series {key!r}; the series are {shown_ids}")
        return self.series[key]

    @property
    def ids(self):
        """The series' ids, in order."""
        return [series.id for series in self.series]


# === Messages ===


def _error(source, where, sid, message):
    """`"{source}, {where}, series {sid!r}: {message}"`, leaving out what is None;
    `sid` may be a tuple of ids (a wide table's date column serves them all)."""
    parts = [str(source)]
    if where:
        parts.append(where)
    if sid is not None:
        parts.append("series " + ", ".join(map(repr, sid if isinstance(sid, tuple) else [sid])))
    return InputError(", ".join(parts) + ": " + message)


class _Places:
    """Where row `i` of a series sits in its source: `"line 12"`, `"index 3"`."""

    def __init__(self, unit, numbers):
        self.unit, self.numbers = unit, np.asarray(numbers)

    def __call__(self, i):
        return f"{self.unit} {int(self.numbers[i])}"

    def take(self, rows):
        return _Places(self.unit, self.numbers[rows])


def _date_text(date):
    return str(np.datetime_as_string(np.datetime64(date, "us"), unit="auto"))


# === One series: order, duplicates, span, missing values, statics ===


def _build(
    source,
    sid,
    places,
    target,
    *,
    dates=None,
    past=None,
    future=None,
    static=None,
    names=((), (), ()),
    fill=None,
    sort=False,
    trim=False,
):
    """A checked `Series` and the `_Places` of its rows, in date order.

    `target` (n,) and the optional `dates` (n,), `past` (n, P), `future`
    (n, F) and `static` (n, S) are rows in source order, NaN where missing;
    `names` names the columns of past, future and static.
    """
    rows = slice(None)  # the rows kept, in date order: all of them, as they come
    if dates is not None:
        if sort:
            rows = np.argsort(dates, kind="stable")
        elif (dates[1:] < dates[:-1]).any():
            i = int(np.argmax(dates[1:] < dates[:-1])) + 1
            raise _error(
                source,
                places(i),
                sid,
                f"date {_date_text(dates[i])} comes before {_date_text(dates[i - 1])} "
                f"({places(i - 1)}); a series' rows must be in date order "
                "(or pass sort=True to sort each series by date)",
            )
        ordered = dates[rows]
        if (ordered[1:] == ordered[:-1]).any():
            i = int(np.argmax(ordered[1:] == ordered[:-1])) + 1
            order = np.arange(len(dates))[rows]
            raise _error(
                source,
                places(order[i]),
                sid,
                f"date {_date_text(ordered[i])} appears twice (also {places(order[i - 1])})",
            )
    if trim:
        observed = np.flatnonzero(~np.isnan(target[rows]))
        if observed.size == 0:
            raise _error(source, None, sid, "the series has no values (every cell is missing)")
        rows = np.arange(len(target))[rows][observed[0] : observed[-1] + 1]
    kept = places.take(rows)
    steps = len(kept.numbers)
    if steps < 2:
        where = kept(0) if steps else None
        raise _error(
            source, where, sid, f"the series has {steps} value(s); a series needs at least 2"
        )
    past_names, future_names, static_names = names
    series = Series(
        sid,
        # copies: a series must not hold on to the chunk it was read from
        _complete(source, sid, kept, target[rows].copy(), "the target", fill),
        dates=None if dates is None else dates[rows].copy(),
        past=_covariates(source, sid, kept, past, rows, past_names, fill),
        future=_covariates(source, sid, kept, future, rows, future_names, fill),
        static=_static(source, sid, kept, static, rows, static_names),
    )
    return series, kept


def _complete(source, sid, places, values, what, fill):
    missing = np.isnan(values)
    if not missing.any():
        return values
    if missing.all():
        raise _error(source, places(0), sid, f"{what} has no values (every cell is missing)")
    if fill is None:
        i = int(np.argmax(missing))
        raise _error(
            source,
            places(i),
            sid,
            f"{what} is missing a value ({int(missing.sum())} missing in the series); "
            "pass fill='forward' or fill='interpolate'",
        )
    return _fill(source, what, values, None, fill)


def _covariates(source, sid, places, values, rows, names, fill):
    if values is None:
        return None
    values = values[rows]
    columns = [
        _complete(source, sid, places, values[:, j], f"covariate {name!r}", fill)
        for j, name in enumerate(names)
    ]
    return np.stack(columns, axis=1)


def _static(source, sid, places, values, rows, names):
    if values is None:
        return None
    values = values[rows]
    for j, name in enumerate(names):
        column = values[:, j]
        if np.isnan(column).any():
            i = int(np.argmax(np.isnan(column)))
            raise _error(source, places(i), sid, f"static column {name!r} is missing a value")
        differ = np.flatnonzero(column != column[0])
        if differ.size:
            i = int(differ[0])
            raise _error(
                source,
                places(i),
                sid,
                f"static column {name!r} changes within the series: {column[i]:g} here, "
                f"{column[0]:g} at {places(0)}; a static column holds one value per series",
            )
    return values[0].copy()


# === Frequencies ===

_MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
_WEEKDAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"}


@functools.lru_cache(maxsize=64)
def _to_offset(freq):
    from pandas.tseries.frequencies import to_offset

    return to_offset(freq)


def _offset(freq, argument="freq"):
    try:
        return _to_offset(freq)
    except (ValueError, TypeError):
        raise InputError(
            f"Expected `{argument}` to be a pandas frequency alias such as 'D', 'MS' or 'YS'. "
            f"Received: {argument}={freq!r}"
        ) from None


def _base(freq):
    """A pandas alias without its anchor ("YS-JAN" -> "YS", "W-SUN" -> "W"): the
    anchor follows each series' own dates (see `_anchored`)."""
    freq = _offset(freq).freqstr
    head, _, anchor = freq.partition("-")
    return head if anchor in _MONTHS | _WEEKDAYS else freq


def _anchored(offset, date):
    """`offset` re-anchored where it has an anchor (the month a year or quarter
    starts, the weekday a week ends) so that `date` falls on it."""
    import pandas as pd

    date = pd.Timestamp(date)
    if isinstance(offset, pd.offsets.Week) and offset.weekday is not None:
        return pd.offsets.Week(n=offset.n, weekday=date.weekday())
    if isinstance(offset, (pd.offsets.FY5253, pd.offsets.FY5253Quarter)):
        return offset  # fiscal years of 52-53 weeks: kept as given
    if hasattr(offset, "startingMonth"):
        return type(offset)(n=offset.n, startingMonth=date.month)
    if hasattr(offset, "month"):
        return type(offset)(n=offset.n, month=date.month)
    return offset


def _fixed_step(offset):
    """The step as a numpy timedelta where every step is the same length."""
    import pandas as pd

    if isinstance(offset, pd.offsets.Day):
        return np.timedelta64(offset.n, "D").astype("timedelta64[us]")
    if isinstance(offset, pd.offsets.Week):
        return np.timedelta64(7 * offset.n, "D").astype("timedelta64[us]")
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset).to_timedelta64().astype("timedelta64[us]")
    return None


@functools.lru_cache(maxsize=64)
def _step(freq):
    return _fixed_step(_offset(freq))


def _calendar_step(offset):
    """A month- or year-based offset as plain months/years, for dates that do
    not sit on the offset (monthly dates on the 15th): a best effort."""
    import pandas as pd

    name = type(offset).__name__
    if "Year" in name:
        return pd.DateOffset(years=offset.n)
    if "Quarter" in name:
        return pd.DateOffset(months=3 * offset.n)
    if "Month" in name:
        return pd.DateOffset(months=offset.n)
    return None


def _grid(start, periods, freq, strict=True):
    """`periods` dates stepping by `freq` from `start`, or None where `start`
    is not on `freq`'s dates (with `strict=False`, month and year steps then
    keep `start`'s day)."""
    import pandas as pd

    step = _step(freq)
    start = np.datetime64(start, "us")
    if step is not None:  # every date is on a fixed step (a week ends on any weekday)
        return start + step * np.arange(periods)
    offset = _anchored(_offset(freq), start)
    if not offset.is_on_offset(pd.Timestamp(start)):
        offset = None if strict else _calendar_step(offset)
        if offset is None:
            return None
    return pd.date_range(pd.Timestamp(start), periods=periods, freq=offset).to_numpy(
        dtype="datetime64[us]"
    )


def _infer(dates):
    """`pandas.infer_freq` without the anchor, or None."""
    import pandas as pd

    if len(dates) < 3:
        return None
    freq = pd.infer_freq(pd.DatetimeIndex(dates))
    return None if freq is None else _base(freq)


def _panel_freq(source, built, freq):
    """The panel's frequency: `freq`, or inferred on the longest series."""
    if freq is not None:
        return _base(freq)
    series, places = max(built, key=lambda pair: len(pair[0]))
    if len(series) < 3:
        raise _error(
            source,
            None,
            None,
            f"cannot infer the frequency: the longest series ({series.id!r}) has "
            f"{len(series)} dates; pass freq= (a pandas alias such as 'D', 'MS', 'YS')",
        )
    inferred = _infer(series.dates) or _infer(series.dates[:3])
    if inferred is None:
        raise _error(
            source,
            places(2),
            series.id,
            f"the dates {', '.join(_date_text(d) for d in series.dates[:3])} ({places(0)} to "
            f"{places(2)}) do not step by a pandas frequency; pass freq= or fix the dates",
        )
    return inferred


def _check_steps(source, series, places, freq, origin=None):
    """Raises unless `series.dates` step by `freq` (a gap, an irregular step or
    another frequency is an error at its line)."""
    step = _step(freq)
    if step is not None and (np.diff(series.dates) == step).all():
        return  # the common case, quickly
    expected = _grid(series.dates[0], len(series), freq)
    bad = np.array([0]) if expected is None else np.flatnonzero(series.dates != expected)
    if bad.size == 0:
        return
    own = _infer(series.dates)
    if own is not None and own != freq:
        whose = f"the panel's ({origin})" if origin else "the panel's"
        raise _error(
            source,
            None,
            series.id,
            f"its dates step by {own!r}, but {whose} by {freq!r}; a panel has one frequency",
        )
    i = int(bad[0])
    date = _date_text(series.dates[i])
    if i == 0:
        raise _error(
            source, places(0), series.id, f"date {date} is not a date of frequency {freq!r}"
        )
    raise _error(
        source,
        places(i),
        series.id,
        f"date {date} follows {_date_text(series.dates[i - 1])} ({places(i - 1)}), but with "
        f"frequency {freq!r} the next date is {_date_text(expected[i])}: a gap or an irregular "
        "step; add the missing rows (empty target cells can be filled with fill=)",
    )


# === Reading CSV files ===


@dataclass
class _Spec:
    """What `read_panel` and `iter_csv_panel` were asked to read."""

    path: str
    target: tuple
    id_column: str | None
    date_column: str | None
    past: tuple
    future: tuple
    static: tuple
    fill: str | None
    sort: bool

    @property
    def names(self):
        return (self.past, self.future, self.static)

    @property
    def columns(self):
        keys = (self.id_column, self.date_column)
        return [c for c in keys if c is not None] + [
            *self.target,
            *self.past,
            *self.future,
            *self.static,
        ]


def _names(argument, value):
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(name, str) and name for name in names):
        raise InputError(
            f"Expected `{argument}` to be a column name or a tuple of them. "
            f"Received: {argument}={value!r}"
        )
    return names


def _spec(path, target, id_column, date_column, past, future, static, fill, sort):
    if fill not in (None, *FILLS):
        raise InputError(
            f"Expected `fill` to be one of {list(FILLS)} or None. Received: fill={fill!r}"
        )
    spec = _Spec(
        str(path),
        _names("target", target),
        id_column,
        date_column,
        _names("past", past),
        _names("future", future),
        _names("static", static),
        fill,
        bool(sort),
    )
    if not spec.target:
        raise InputError("Expected `target` to name at least one column. Received: target=()")
    if id_column is not None and len(spec.target) != 1:
        raise InputError(
            "Expected one target column in a long table (one row per series and date). "
            f"Received: target={target!r} with id_column={id_column!r}"
        )
    if id_column is None and spec.past:
        raise InputError(
            f"past={past!r} needs a long table (id_column=): in a wide table, one column per "
            "series, a past covariate column would belong to no series in particular (it is "
            "another series: name it in target=, or give each series its own rows)"
        )
    if id_column is None and spec.static:
        raise InputError(
            f"static={static!r} needs a long table (id_column=): a wide table has one row per "
            "date, so it holds no values per series"
        )
    seen = {}
    for role, names in [
        ("id_column", (id_column,)),
        ("date_column", (date_column,)),
        ("target", spec.target),
        ("past", spec.past),
        ("future", spec.future),
        ("static", spec.static),
    ]:
        for name in names:
            if name is None:
                continue
            if name in seen:
                raise InputError(f"column {name!r} is named twice: in {seen[name]}= and {role}=")
            seen[name] = role
    return spec


def _header(path):
    """The header's line number and its cells: the first line that is not blank."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror or error})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{path}, line {number}: not UTF-8 text ({error.reason}); save it as UTF-8"
                ) from None
            if text.strip():
                return number, [cell.strip() for cell in next(csv.reader([text]))]
    raise InputError(f"{path}: the file is empty")


def _bad_utf8_line(path):
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _csv_chunks(spec, chunksize):
    """The file's rows as dicts of checked arrays (see `_convert`), `chunksize`
    rows at a time, blank rows left out."""
    import pandas as pd

    header_line, header = _header(spec.path)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(
            f"{spec.path}, line {header_line}: column name {repeated[0]!r} appears twice"
        )
    missing = [name for name in spec.columns if name not in header]
    if missing:
        raise InputError(f"{spec.path}: no column(s) {missing}; the columns are {header}")
    reader = pd.read_csv(
        spec.path,
        skiprows=header_line - 1,
        dtype=object,
        keep_default_na=False,
        skip_blank_lines=False,
        index_col=False,
        encoding="utf-8",
        chunksize=chunksize,
    )
    rows_before, breaks_before, any_rows = 0, 0, False
    try:
        with reader:
            for frame in reader:
                frame.columns = [str(c).strip() for c in frame.columns]
                breaks = np.zeros(len(frame), dtype="int64")
                for column in frame.columns:
                    if "\n" in "".join(frame[column].to_numpy(dtype=object)):
                        breaks += frame[column].str.count("\n").to_numpy(dtype="int64")
                before = breaks_before + np.cumsum(breaks) - breaks
                lines = header_line + 1 + rows_before + np.arange(len(frame)) + before
                rows_before += len(frame)
                breaks_before += int(breaks.sum())
                cells = {name: _stripped(frame[name]) for name in spec.columns}
                blank = np.logical_and.reduce([cells[name] == "" for name in spec.columns])
                for column in frame.columns:  # rows with a cell elsewhere are rows
                    if blank.any() and column not in cells:
                        blank &= _stripped(frame[column]) == ""
                if blank.any():
                    keep = ~blank
                    lines = lines[keep]
                    cells = {name: column[keep] for name, column in cells.items()}
                if len(lines):
                    any_rows = True
                    yield _convert(spec, cells, lines)
    except UnicodeDecodeError as error:
        line = _bad_utf8_line(spec.path)
        where = f", line {line}" if line else ""
        raise InputError(
            f"{spec.path}{where}: not UTF-8 text ({error.reason}); save it as UTF-8"
        ) from None
    except pd.errors.ParserError as error:
        raise InputError(f"{spec.path}: bad CSV ({str(error).strip()})") from None
    if not any_rows:
        raise InputError(f"{spec.path}: no data rows after the header (line {header_line})")


def _stripped(column):
    """A column's cells as an object array of str without surrounding spaces
    (stripped only where some cell holds a space: most columns hold none)."""
    cells = column.to_numpy(dtype=object)
    joined = "".join(cells)
    if any(space in joined for space in " \t\r\n\f\v\xa0"):
        cells = column.str.strip().to_numpy(dtype=object)
    return cells


def _convert(spec, cells, lines):
    """Checked arrays of one chunk: `lines`, `ids` (long tables), `dates`
    (datetime64[us] or None), `target` (n, targets), `past`, `future` and
    `static` (n, columns) or None; NaN marks a missing value."""
    n = len(lines)
    if spec.id_column is not None:
        ids = cells[spec.id_column]
        empty = np.flatnonzero(ids == "")
        if empty.size:
            raise InputError(
                f"{spec.path}, line {lines[empty[0]]}: the id cell (column {spec.id_column!r}) "
                "is empty"
            )

        def who(i, column):  # the series of row i
            return ids[i]
    else:
        ids = None

        def who(i, column):  # a target column is a series; the others serve them all
            return column if column in spec.target else spec.target

    def numbers(names):
        if not names:
            return None
        return np.stack([_numbers(spec.path, cells[c], lines, who, c) for c in names], axis=1)

    dates = None
    if spec.date_column is not None:
        dates = _dates(spec.path, cells[spec.date_column], lines, who, spec.date_column)
    return {
        "lines": lines,
        "ids": ids,
        "dates": dates,
        "target": numbers(spec.target).reshape(n, len(spec.target)),
        "past": numbers(spec.past),
        "future": numbers(spec.future),
        "static": numbers(spec.static),
    }


def _case_variants(word):
    variants = [""]
    for char in word:
        variants = [v + c for v in variants for c in {char.lower(), char.upper()}]
    return variants


# every spelling of the missing markers, any case: a hashed lookup, no lower()
_MISSING_CELLS = sorted({v for word in MISSING for v in _case_variants(word)})


def _missing(cells):
    import pandas as pd

    return pd.Series(cells, dtype=object).isin(_MISSING_CELLS).to_numpy()


def _numbers(path, cells, lines, who, column):
    """A column of text cells as float64, NaN where missing; text and numbers
    out of float32's range are errors naming the line and the series."""
    missing = _missing(cells)
    try:  # Python's float(): correctly rounded, so values round-trip exactly
        values = np.asarray(np.where(missing, "nan", cells), dtype="float64")
    except ValueError:
        i = next(i for i, cell in enumerate(cells) if not missing[i] and not _is_float(cell))
        raise _error(
            path,
            f"line {lines[i]}",
            who(i, column),
            f"column {column!r} holds {shown(cells[i])}, not a number",
        ) from None
    bad = np.flatnonzero(np.isinf(values) | (np.abs(np.nan_to_num(values)) > FLOAT32_MAX))
    if bad.size:
        i = bad[0]
        raise _error(
            path,
            f"line {lines[i]}",
            who(i, column),
            f"column {column!r} holds {shown(cells[i])}, not a finite float32 number",
        )
    return values


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _dates(path, cells, lines, who, column):
    """A column of date cells as datetime64[us]. Every date is read in the
    format of the first one (no guessing per cell); a missing or unreadable
    date is an error naming the line and the series."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    missing = np.flatnonzero(_missing(cells))
    if missing.size:
        i = missing[0]
        raise _error(path, f"line {lines[i]}", who(i, column), "the date is missing")
    form = guess_datetime_format(cells[0])
    if form is None:
        raise _error(
            path,
            f"line {lines[0]}",
            who(0, column),
            f"cannot read {shown(cells[0])} in column {column!r} as a date (write dates like "
            "2020-01-31 or 2020-01-31 12:00)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(pd.Series(cells, dtype=object), format=form, errors="coerce")
    except (ValueError, OverflowError) as error:
        raise InputError(f"{path}: column {column!r}: cannot read the dates ({error})") from None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)  # the local clock time, as written
    values = parsed.to_numpy(dtype="datetime64[us]")
    bad = np.flatnonzero(np.isnat(values))
    if bad.size:
        i = bad[0]
        raise _error(
            path,
            f"line {lines[i]}",
            who(i, column),
            f"cannot read the date {shown(cells[i])} (the dates are read in the format of the "
            f"first one, {cells[0]!r} on line {lines[0]}: {form!r})",
        )
    return values


def _concat(parts):
    first = parts[0]
    if len(parts) == 1:
        return first
    return {
        key: None if first[key] is None else np.concatenate([part[key] for part in parts])
        for key in first
    }


def _take(rows, index):
    return {key: None if value is None else value[index] for key, value in rows.items()}


def _long_series(spec, rows, sid):
    """The checked series of rows that all belong to `sid`."""
    return _build(
        spec.path,
        sid,
        _Places("line", rows["lines"]),
        rows["target"][:, 0],
        dates=rows["dates"],
        past=rows["past"],
        future=rows["future"],
        static=rows["static"],
        names=spec.names,
        fill=spec.fill,
        sort=spec.sort,
    )


def read_panel(
    path,
    *,
    target,
    id_column=None,
    date_column=None,
    past=(),
    future=(),
    static=(),
    fill=None,
    sort=False,
    freq=None,
    season=None,
    horizon=None,
):
    """Reads a panel of series from a CSV file.

    A long table has one row per series and date, the series named by
    `id_column`; the series come in the order their ids first appear. A wide
    table (no `id_column`) has one row per date and one column per series:
    each name in `target` is a series, its id the column name.

    The rules (order, duplicates, gaps, missing values, length) are in this
    module's docstring. In short: rows out of date order are an error unless
    `sort=True`; gaps are errors; missing values are errors unless `fill`.

    Args:
        path: the file (UTF-8, with or without a byte-order mark).
        target: str, or a tuple of str for a wide table. The column(s) to forecast.
        id_column: str or None. The column naming each row's series (a long table).
        date_column: str or None. Dates, read in the format of the first one.
            Without it the series have no dates and the panel no frequency.
        past: column names of covariates known only up to each step (long
            tables only).
        future: column names of covariates known ahead. In a wide table they
            are shared by every series (holidays, promotions).
        static: column names of values fixed per series (long tables only);
            each must hold one number throughout its series.
        fill: None, "forward" or "interpolate": how to fill missing values of
            the target and the covariates.
        sort: bool. Whether to sort each series' rows by date.
        freq: str or None. The pandas frequency alias; None infers it.
        season, horizon: int or None, kept on the panel.

    Returns:
        A `Panel` named after the file's stem.

    Raises:
        zoo.InputError: naming the file, the series and the line of the problem.
    """
    spec = _spec(path, target, id_column, date_column, past, future, static, fill, sort)
    if freq is not None and date_column is None:
        raise InputError(f"freq={freq!r} needs dates: pass date_column=")
    season = None if season is None else positive_int("season", season)
    horizon = None if horizon is None else positive_int("horizon", horizon)
    rows = _concat(list(_csv_chunks(spec, 100_000)))
    panel = Panel(
        [],
        name=Path(spec.path).stem,
        season=season,
        horizon=horizon,
        past_names=spec.past,
        future_names=spec.future,
        static_names=spec.static,
    )
    built = []
    if spec.id_column is not None:
        import pandas as pd

        codes, _ = pd.factorize(rows["ids"])  # the series in the order they first appear
        grouped = _take(rows, np.argsort(codes, kind="stable"))
        stops = np.cumsum(np.bincount(codes))
        starts = np.concatenate([[0], stops[:-1]])
        # all at once where every check passes, with the frequency of the longest
        longest = int(np.argmax(stops - starts))
        guess = None
        if date_column is not None:
            dates = grouped["dates"][starts[longest] : stops[longest]]
            guess = _base(freq) if freq is not None else _infer(dates)
        fast = _at_once(spec, grouped, starts, stops, guess)
        if fast is not None:
            return replace(panel, series=fast, freq=guess)
        for start, stop in zip(starts, stops, strict=True):
            part = _take(grouped, slice(start, stop))
            built.append(_long_series(spec, part, str(part["ids"][0])))
    else:
        for k, name in enumerate(spec.target):
            built.append(
                _build(
                    spec.path,
                    name,
                    _Places("line", rows["lines"]),
                    rows["target"][:, k],
                    dates=rows["dates"],
                    future=rows["future"],
                    names=spec.names,
                    fill=spec.fill,
                    sort=spec.sort,
                    trim=True,
                )
            )
    if spec.date_column is not None:
        longest = max(built, key=lambda pair: len(pair[0]))[0].id
        origin = None if freq is not None else f"inferred on series {longest!r}, the longest"
        freq = _panel_freq(spec.path, built, freq)
        for series, places in built:
            _check_steps(spec.path, series, places, freq, origin)
    return replace(panel, series=[series for series, _ in built], freq=freq)


def iter_csv_panel(
    path,
    *,
    target,
    id_column,
    date_column=None,
    past=(),
    future=(),
    static=(),
    fill=None,
    sort=False,
    freq=None,
    chunksize=100_000,
):
    """Yields the `Series` of a long CSV table one at a time, reading
    `chunksize` rows at a time, so a panel larger than memory streams.

    The arguments and checks are `read_panel`'s, series by series; the rows
    of each series must be together (the file sorted or grouped by id), and a
    series whose rows appear again after another series' is an error. Memory
    holds one chunk, the series being read and the set of ids read (the only
    part that grows: about 100 bytes a series). Without
    `freq`, the frequency is inferred on the first series with 3 or more dates
    (series before it wait for it) and every later series must step by it.

    Raises:
        zoo.InputError: naming the file, the series and the line of the problem,
            when the iterator reaches it.
    """
    if id_column is None:
        raise InputError("iter_csv_panel reads long tables: pass id_column=")
    spec = _spec(path, target, id_column, date_column, past, future, static, fill, sort)
    if not isinstance(chunksize, int) or isinstance(chunksize, bool) or chunksize < 1:
        raise InputError(
            f"Expected `chunksize` to be an integer >= 1. Received: chunksize={chunksize!r}"
        )
    if freq is not None:
        if date_column is None:
            raise InputError(f"freq={freq!r} needs dates: pass date_column=")
        freq = _base(freq)
    state = {"freq": freq, "origin": None, "waiting": []}
    seen, previous = set(), None  # the ids read; the last one
    current = []  # parts (one per chunk) of the series being read
    for rows in _csv_chunks(spec, chunksize):
        ids = rows["ids"]
        starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
        if current and ids[0] == current[0]["ids"][0]:
            stop = starts[1] if len(starts) > 1 else len(ids)
            current.append(_take(rows, slice(0, stop)))  # the series goes on
            starts = starts[1:]
        if not len(starts):
            continue
        for start in starts:  # before reading any series: is one of them back again?
            sid = ids[start]
            if sid in seen:
                raise _error(
                    spec.path,
                    f"line {rows['lines'][start]}",
                    sid,
                    f"its rows appear again, after series {previous!r}; iter_csv_panel needs "
                    "each series' rows together: sort the file by id",
                )
            seen.add(sid)
            previous = sid
        if current:
            yield from _finish(spec, _concat(current), state)
        # every series that starts here but the last ends in this chunk
        whole = _take(rows, slice(starts[0], starts[-1]))
        yield from _run(spec, whole, starts[:-1] - starts[0], state)
        current = [_take(rows, slice(starts[-1], len(ids)))]
    if current:
        yield from _finish(spec, _concat(current), state)
    if state["waiting"]:
        raise _error(
            spec.path,
            None,
            None,
            "cannot infer the frequency: no series has more than 2 dates; pass freq=",
        )


def _run(spec, rows, starts, state):
    """The series of `rows`, one after another from each of `starts`: checked
    all at once where every check passes (the common case), else one by one
    (for the message)."""
    if not len(starts):
        return
    stops = np.append(starts[1:], len(rows["ids"]))
    fast = _at_once(spec, rows, starts, stops, state["freq"])
    if fast is not None:
        yield from fast
        return
    for start, stop in zip(starts, stops, strict=True):
        yield from _finish(spec, _take(rows, slice(start, stop)), state)


def _at_once(spec, rows, starts, stops, freq):
    """The `Series` of a run of whole series when all of them pass every check
    (no missing value, at least 2 rows, dates stepping by a fixed `freq`,
    constant statics), else None."""
    if spec.sort or (spec.date_column is not None and (freq is None or _step(freq) is None)):
        return None
    counts = stops - starts
    if (counts < 2).any():
        return None
    numbers = [rows[key] for key in ("target", "past", "future", "static")]
    if any(np.isnan(values).any() for values in numbers if values is not None):
        return None
    dates = rows["dates"]
    if dates is not None:
        within = np.ones(len(dates) - 1, dtype=bool)
        within[stops[:-1] - 1] = False  # the step from one series to the next
        if not (np.diff(dates)[within] == _step(freq)).all():
            return None
    static = rows["static"]
    if static is not None and (static != np.repeat(static[starts], counts, axis=0)).any():
        return None
    target, past, future = rows["target"][:, 0], rows["past"], rows["future"]
    return [
        Series(
            str(rows["ids"][start]),
            target[start:stop].copy(),
            dates=None if dates is None else dates[start:stop].copy(),
            past=None if past is None else past[start:stop].copy(),
            future=None if future is None else future[start:stop].copy(),
            static=None if static is None else static[start].copy(),
        )
        for start, stop in zip(starts, stops, strict=True)
    ]


def _finish(spec, rows, state):
    """One whole series, checked on its own (and its frequency, where known)."""
    sid = str(rows["ids"][0])
    series, places = _long_series(spec, rows, sid)
    if spec.date_column is None:
        yield series
        return
    if state["freq"] is None:
        state["freq"] = _infer(series.dates)
        if state["freq"] is None and len(series) >= 3:
            state["freq"] = _panel_freq(spec.path, [(series, places)], None)
        if state["freq"] is None:
            state["waiting"].append((series, places))
            return
        state["origin"] = f"inferred on series {sid!r}, the first with 3 dates"
    for waiting, waiting_places in state["waiting"]:
        _check_steps(spec.path, waiting, waiting_places, state["freq"], state["origin"])
        yield waiting
    state["waiting"] = []
    _check_steps(spec.path, series, places, state["freq"], state["origin"])
    yield series


# === Arrays ===


def panel_from_arrays(
    values,
    ids=None,
    dates=None,
    *,
    past=None,
    future=None,
    static=None,
    past_names=None,
    future_names=None,
    static_names=None,
    fill=None,
    freq=None,
    name="arrays",
    season=None,
    horizon=None,
):
    """A `Panel` from 1-D arrays, one per series (lengths may differ), with
    `read_panel`'s checks; problems name the series and the index.

    Args:
        values: a list of 1-D arrays, or a 2-D array with one series per row.
        ids: series names; by default "0", "1", ...
        dates: None, or one array of dates (anything `numpy.datetime64` or
            pandas reads) per series, in order.
        past, future: None, or one (T, columns) array per series.
        static: None, or one (S,) array per series.
        past_names, future_names, static_names: the columns' names; by default
            "past_0", "future_0", "static_0", ...
        fill, freq, name, season, horizon: as in `read_panel`.
    """
    import pandas as pd

    season = None if season is None else positive_int("season", season)
    horizon = None if horizon is None else positive_int("horizon", horizon)
    values = [np.asarray(v, dtype="float64") for v in values]
    if not values:
        raise InputError("panel_from_arrays: `values` holds no series")
    ids = [str(i) for i in range(len(values))] if ids is None else [str(i) for i in ids]
    per_series = {"ids": ids, "dates": dates, "past": past, "future": future, "static": static}
    for argument, given in per_series.items():
        if given is not None and len(given) != len(values):
            raise InputError(
                f"panel_from_arrays: {len(values)} series in `values`, but {len(given)} in "
                f"`{argument}`"
            )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InputError(f"panel_from_arrays: series id {repeated[0]!r} appears twice")
    if fill not in (None, *FILLS):
        raise InputError(
            f"Expected `fill` to be one of {list(FILLS)} or None. Received: fill={fill!r}"
        )
    names = [
        _default_names(given, names, prefix)
        for given, names, prefix in [
            (past, past_names, "past"),
            (future, future_names, "future"),
            (static, static_names, "static"),
        ]
    ]
    built = []
    for k, (sid, target) in enumerate(zip(ids, values, strict=True)):
        if target.ndim != 1:
            raise _error("values", None, sid, f"expected a 1-D array, got shape {target.shape}")
        steps = len(target)
        bad = np.flatnonzero(np.isinf(target))
        if bad.size:
            raise _error("values", f"index {bad[0]}", sid, f"{target[bad[0]]} is not finite")
        series_dates = None
        if dates is not None:
            try:
                series_dates = pd.to_datetime(np.asarray(dates[k])).to_numpy("datetime64[us]")
            except (ValueError, TypeError, OverflowError) as error:
                raise _error("dates", None, sid, f"cannot read the dates ({error})") from None
            _same_steps(sid, "dates", len(series_dates), steps)
        static_rows = None
        if static is not None:
            values_k = np.asarray(static[k], dtype="float64").reshape(1, -1)
            _same_width(sid, "static", values_k.shape[1], names[2])
            static_rows = np.broadcast_to(values_k, (steps, len(names[2])))
        built.append(
            _build(
                "values",
                sid,
                _Places("index", np.arange(steps)),
                target,
                dates=series_dates,
                past=_rows_of(sid, "past", past, k, steps, names[0]),
                future=_rows_of(sid, "future", future, k, steps, names[1]),
                static=static_rows,
                names=tuple(names),
                fill=fill,
            )
        )
    if dates is not None:
        freq = _panel_freq("values", built, freq)
        for series, places in built:
            _check_steps("values", series, places, freq)
    elif freq is not None:
        freq = _base(freq)
    return Panel(
        [series for series, _ in built],
        name=name,
        freq=freq,
        season=season,
        horizon=horizon,
        past_names=names[0],
        future_names=names[1],
        static_names=names[2],
    )


def _default_names(given, names, prefix):
    if given is None:
        return ()
    if names is not None:
        return _names(f"{prefix}_names", names)
    first = np.asarray(given[0])
    width = first.size if prefix == "static" else first.reshape(len(first), -1).shape[1]
    return tuple(f"{prefix}_{j}" for j in range(width))


def _rows_of(sid, argument, arrays, k, steps, names):
    if arrays is None:
        return None
    rows = np.asarray(arrays[k], dtype="float64")
    rows = rows.reshape(len(rows), -1)
    _same_steps(sid, argument, len(rows), steps)
    _same_width(sid, argument, rows.shape[1], names)
    return rows


def _same_width(sid, argument, width, names):
    if width != len(names):
        raise InputError(
            f"series {sid!r}: {argument} has {width} column(s), but {len(names)} are named "
            f"({list(names)})"
        )


# === Monash .tsf files ===

# @frequency -> pandas alias (Monash's own words; "N_unit" is read generally)
TSF_FREQUENCIES = {
    "yearly": "YS",
    "quarterly": "QS",
    "monthly": "MS",
    "weekly": "W",
    "daily": "D",
    "hourly": "h",
    "half_hourly": "30min",
    "minutely": "min",
}
_TSF_UNITS = {
    "second": "s",
    "minute": "min",
    "hour": "h",
    "day": "D",
    "week": "W",
    "month": "MS",
    "quarter": "QS",
    "year": "YS",
}
# @frequency -> season length in steps, as Monash's evaluation uses it
TSF_SEASONS = {
    "yearly": 1,
    "quarterly": 4,
    "monthly": 12,
    "weekly": 52,
    "daily": 7,
    "hourly": 24,
    "half_hourly": 48,
    "10_minutes": 144,
    "minutely": 1440,
    "4_seconds": 21600,
}
# Monash's published horizons, for files without @horizon
MONASH_HORIZONS = {
    "yearly": 6,
    "quarterly": 8,
    "monthly": 18,
    "weekly": 13,
    "daily": 14,
    "hourly": 48,
}


def _tsf_freq(word):
    if word in TSF_FREQUENCIES:
        return TSF_FREQUENCIES[word]
    match = re.fullmatch(r"(\d+)_(second|minute|hour|day|week|month|quarter|year)s?", word)
    if match:
        return match.group(1) + _TSF_UNITS[match.group(2)]
    return None


def _tsf_lines(path):
    """The file's lines, numbered from 1: UTF-8, or cp1252 (the encoding
    Monash's own loader reads) for a line that is not UTF-8."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror or error})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            yield number, text.strip()


def _tsf_bool(path, number, tag, tokens):
    if len(tokens) != 1 or tokens[0].lower() not in ("true", "false"):
        raise InputError(f"{path}, line {number}: {tag} must be true or false")
    return tokens[0].lower() == "true"


def read_tsf(path, *, fill=None):
    """Reads a Monash forecasting `.tsf` file into a `Panel`.

    The header (`@relation`, `@attribute NAME TYPE`, `@frequency`, `@horizon`,
    `@missing`, `@equallength`, then `@data`) is followed by one series per
    line: the attribute values separated by `:`, then the values separated
    by `,`; `?` is a missing value (an error unless `fill`). `#` starts a
    comment line; other `@` tags are ignored.

    A series' id is its `series_name` attribute, else its first string
    attribute, else its position ("1", "2", ...). Its dates start at its first
    date attribute (`start_timestamp`, written `%Y-%m-%d %H-%M-%S`) and step
    by `@frequency` (yearly "YS", quarterly "QS", monthly "MS", weekly "W",
    daily "D", hourly "h", half_hourly "30min", minutely "min", "N_unit" such
    as 4_seconds "4s" or 10_minutes "10min"); without a date attribute the
    series have no dates. Numeric attributes become `static` columns; other
    string attributes (a series' group) are not kept.

    Returns:
        A `Panel` named after `@relation`, with `horizon` from `@horizon` (or
        None) and `season` from the frequency (Monash's: yearly 1, quarterly
        4, monthly 12, weekly 52, daily 7, hourly 24, ...).

    Raises:
        zoo.InputError: naming the file and line (and value) of the problem.
    """
    import pandas as pd

    if fill not in (None, *FILLS):
        raise InputError(
            f"Expected `fill` to be one of {list(FILLS)} or None. Received: fill={fill!r}"
        )
    attributes = []  # (name, type)
    meta = {"relation": Path(str(path)).stem}
    frequency_line = None
    in_data = False
    built, first_line = [], {}
    for number, line in _tsf_lines(path):
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise InputError(
                    f"{path}, line {number}: expected a header line (@...) before @data, "
                    f"got {shown(line)}"
                )
            tag, *tokens = line.split()
            tag = tag.lower()
            if tag == "@data":
                in_data = True
                id_index, date_index, static_index = _tsf_roles(attributes)
                freq = _tsf_freq(meta.get("frequency", ""))
                if date_index is not None and freq is None:
                    raise InputError(
                        f"{path}, line {frequency_line or number}: the series have start dates "
                        f"but no known @frequency ({meta.get('frequency')!r})"
                    )
            elif tag == "@attribute":
                if len(tokens) != 2 or tokens[1].lower() not in ("numeric", "string", "date"):
                    raise InputError(
                        f"{path}, line {number}: expected '@attribute NAME TYPE' with TYPE "
                        f"numeric, string or date, got {shown(line)}"
                    )
                attributes.append((tokens[0], tokens[1].lower()))
            elif tag == "@relation":
                meta["relation"] = " ".join(tokens) or meta["relation"]
            elif tag == "@frequency":
                if len(tokens) != 1:
                    raise InputError(f"{path}, line {number}: expected '@frequency WORD'")
                meta["frequency"], frequency_line = tokens[0].lower(), number
            elif tag == "@horizon":
                if len(tokens) != 1 or not tokens[0].isdigit() or int(tokens[0]) < 1:
                    raise InputError(f"{path}, line {number}: @horizon needs an integer >= 1")
                meta["horizon"] = int(tokens[0])
            elif tag in ("@missing", "@equallength"):
                meta[tag] = _tsf_bool(path, number, tag, tokens)
            continue
        fields = line.split(":")
        if len(fields) != len(attributes) + 1:
            raise InputError(
                f"{path}, line {number}: {len(fields)} field(s) separated by ':', but the "
                f"header declares {len(attributes)} attribute(s) and then the values"
            )
        sid = fields[id_index].strip() if id_index is not None else str(len(built) + 1)
        if sid in first_line:
            raise InputError(
                f"{path}, line {number}: series {sid!r} appears twice (also line {first_line[sid]})"
            )
        first_line[sid] = number
        values = _tsf_values(path, number, sid, fields[-1])
        if meta.get("@equallength") and built and len(values) != len(built[0]):
            raise InputError(
                f"{path}, line {number}, series {sid!r}: {len(values)} values, but the first "
                f"series has {len(built[0])} in a file that says @equallength true"
            )
        static = None
        if static_index:
            static = np.array(
                [_tsf_number(path, number, sid, attributes[j][0], fields[j]) for j in static_index]
            )
            static = np.broadcast_to(static, (len(values), len(static)))
        dates = None
        if date_index is not None:
            start = _tsf_date(path, number, sid, attributes[date_index][0], fields[date_index])
            dates = _grid(pd.Timestamp(start), len(values), freq, strict=False)
            if dates is None:
                raise InputError(
                    f"{path}, line {number}, series {sid!r}: the start {start} is not a date of "
                    f"@frequency {meta['frequency']!r}"
                )
        series, _ = _build(
            path,
            sid,
            _Places(f"line {number}, value", np.arange(1, len(values) + 1)),
            values,
            dates=dates,
            static=static,
            names=((), (), tuple(attributes[j][0] for j in static_index)),
            fill=fill,
        )
        built.append(series)
    if not in_data:
        raise InputError(f"{path}: no @data line (an empty file, or not a .tsf file)")
    if not built:
        raise InputError(f"{path}: no series after @data")
    word = meta.get("frequency")
    return Panel(
        built,
        name=meta["relation"],
        freq=None if word is None or _tsf_freq(word) is None else _base(_tsf_freq(word)),
        season=TSF_SEASONS.get(word),
        horizon=meta.get("horizon"),
        static_names=tuple(attributes[j][0] for j in static_index),
    )


def _tsf_roles(attributes):
    """Which attribute names a series, which dates it, which are static numbers."""
    strings = [j for j, (_, kind) in enumerate(attributes) if kind == "string"]
    named = [j for j in strings if attributes[j][0].lower() == "series_name"]
    id_index = (named or strings or [None])[0]
    dated = [j for j, (_, kind) in enumerate(attributes) if kind == "date"]
    starts = [j for j in dated if attributes[j][0].lower() == "start_timestamp"]
    date_index = (starts or dated or [None])[0]
    static_index = [j for j, (_, kind) in enumerate(attributes) if kind == "numeric"]
    return id_index, date_index, static_index


def _tsf_values(path, number, sid, text):
    tokens = [token.strip() for token in text.split(",")]
    try:
        values = np.array(["nan" if t == "?" else t for t in tokens], dtype="float64")
    except ValueError:
        for k, token in enumerate(tokens, start=1):
            try:
                float("nan" if token == "?" else token)
            except ValueError:
                raise InputError(
                    f"{path}, line {number}, value {k}, series {sid!r}: {shown(token)} is not "
                    "a number ('?' marks a missing value)"
                ) from None
        raise
    bad = np.flatnonzero(np.isinf(values) | (np.abs(np.nan_to_num(values)) > FLOAT32_MAX))
    if bad.size:
        k = int(bad[0])
        raise InputError(
            f"{path}, line {number}, value {k + 1}, series {sid!r}: {tokens[k]} is not a "
            "finite float32 number"
        )
    return values


def _tsf_number(path, number, sid, name, text):
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"{path}, line {number}, series {sid!r}: attribute {name!r} is numeric, but holds "
            f"{shown(text)}"
        ) from None


def _tsf_date(path, number, sid, name, text):
    for form in ("%Y-%m-%d %H-%M-%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), form)
        except ValueError:
            continue
    raise InputError(
        f"{path}, line {number}, series {sid!r}: cannot read the date {shown(text)} of "
        f"attribute {name!r} (expected YYYY-MM-DD HH-MM-SS)"
    )


# === Published panels ===

# name: the .tsf file inside aeon's wheel (aeon/datasets/data/...), the published
# horizon and the season length. The other .tsf files aeon 1.x ships are its
# unit-test fixtures (three short series), not datasets.
PANELS = {
    "m1_yearly": {
        "file": "m1_yearly_dataset/m1_yearly_dataset.tsf",
        "horizon": 6,
        "season": 1,
    },
    # panels in statsmodels' own data (statsmodels.datasets), read from its package
    "fertility": {"statsmodels": "fertility", "horizon": 6, "season": 1},
    "macrodata": {"statsmodels": "macrodata", "horizon": 8, "season": 4},
}
MACRO_SERIES = ("realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "pop")


def _statsmodels_panel(key):
    """A panel from statsmodels' bundled data: the World Bank's fertility rates
    (one yearly series per country, the countries with at least 20 years and no
    gap inside them) or eight quarterly US macroeconomic series (1959-2009)."""
    try:
        from statsmodels import datasets
    except ImportError:
        raise InputError(
            f"the {key!r} panel needs statsmodels: pip install 'lstm-zoo[datasets]'"
        ) from None
    frame = getattr(datasets, key).load_pandas().data
    values, ids, dates = [], [], []
    if key == "fertility":
        years = [c for c in frame.columns if str(c).isdigit()]
        for _, row in frame.iterrows():
            found = row[years].to_numpy(dtype="float64")
            seen = np.flatnonzero(~np.isnan(found))
            if len(seen) < 20 or np.any(np.diff(seen) != 1):
                continue
            values.append(found[seen])
            ids.append(str(row["Country Name"]))
            dates.append(np.array([f"{years[i]}-01-01" for i in seen], dtype="datetime64[us]"))
    else:
        quarters = np.array(
            [
                f"{int(y)}-{3 * int(q) - 2:02d}-01"
                for y, q in zip(frame.year, frame.quarter, strict=True)
            ],
            dtype="datetime64[us]",
        )
        for name in MACRO_SERIES:
            values.append(frame[name].to_numpy(dtype="float64"))
            ids.append(name)
            dates.append(quarters)
    return panel_from_arrays(values, ids=ids, dates=dates, name=key)


def load_published_panel(name):
    """A published forecasting panel that aeon's wheel ships, read from its
    file (never the network).

    Args:
        name: str. A key of `PANELS`, such as "m1_yearly" (the M1 competition's
            181 yearly series; horizon 6). aeon's own name, "m1_yearly_dataset",
            works too.

    Raises:
        zoo.InputError: for an unknown name (listing the known ones), or
            where aeon or its file is missing.
    """
    key = name.removesuffix("_dataset") if isinstance(name, str) else name
    if key not in PANELS:
        raise InputError(f"unknown forecasting panel {name!r}; the known ones: {list(PANELS)}")
    spec = importlib.util.find_spec("aeon")
    if spec is None or spec.origin is None:
        raise InputError("published panels need aeon: pip install 'lstm-zoo[datasets]'")
    entry = PANELS[key]
    if "statsmodels" in entry:
        panel = _statsmodels_panel(entry["statsmodels"])
        return replace(panel, name=key, horizon=entry["horizon"], season=entry["season"])
    path = Path(spec.origin).parent / "datasets" / "data" / entry["file"]
    if not path.is_file():
        raise InputError(f"{path}: not found; this aeon does not ship the {key!r} panel")
    panel = read_tsf(path)
    return replace(
        panel,
        name=key,
        horizon=panel.horizon or entry["horizon"],
        season=entry["season"],
    )


# === Calendar features and future dates ===


def _fraction(values, top):
    """`values` in 0..top as GluonTS scales them: to [-0.5, 0.5]."""
    return values / top - 0.5


_CALENDAR = {
    "month_of_year": lambda d: _fraction(d.month - 1, 11.0),
    "week_of_year": lambda d: _fraction(d.isocalendar().week.to_numpy() - 1, 52.0),
    "day_of_month": lambda d: _fraction(d.day - 1, 30.0),
    "day_of_week": lambda d: _fraction(d.dayofweek, 6.0),
    "hour_of_day": lambda d: _fraction(d.hour, 23.0),
    "minute_of_hour": lambda d: _fraction(d.minute, 59.0),
    "second_of_minute": lambda d: _fraction(d.second, 59.0),
}


def calendar_feature_names(freq):
    """The names of `calendar_features`' columns for `freq`, in order."""
    import pandas as pd

    offset = _offset(freq)
    name = type(offset).__name__
    if "Year" in name or isinstance(offset, pd.offsets.FY5253):
        return ()
    if "Quarter" in name or "Month" in name:
        return ("month_of_year",)
    if isinstance(offset, pd.offsets.Week):
        return ("week_of_year",)
    if isinstance(offset, (pd.offsets.Day, pd.offsets.BusinessDay)):  # Day: a Tick in pandas 2
        return ("day_of_week", "day_of_month")
    if isinstance(offset, pd.offsets.Hour):
        return ("hour_of_day", "day_of_week")
    if isinstance(offset, pd.offsets.Minute):
        return ("minute_of_hour", "hour_of_day", "day_of_week")
    if isinstance(offset, pd.offsets.Tick):  # seconds and finer
        return ("second_of_minute", "minute_of_hour", "hour_of_day", "day_of_week")
    return ("day_of_week", "day_of_month")  # custom business days and the like


def calendar_features(dates, freq):
    """Known-future features of the calendar, (T, k) float32 in [-0.5, 0.5],
    as GluonTS's time features scale them (`value / largest - 0.5`).

    Which features depend on the frequency: yearly none (k=0); quarterly and
    monthly the month of year; weekly the ISO week of year; daily the day of
    week and of month; hourly the hour of day and day of week; minutely the
    minute of hour too; secondly the second of minute too. The series' age is
    not here: the caller adds it. Names: `calendar_feature_names(freq)`.
    """
    import pandas as pd

    names = calendar_feature_names(freq)
    index = pd.DatetimeIndex(np.asarray(dates, dtype="datetime64[us]"))
    if not names:
        return np.zeros((len(index), 0), dtype="float32")
    columns = [np.asarray(_CALENDAR[name](index), dtype="float64") for name in names]
    return np.stack(columns, axis=1).astype("float32")


def extend_dates(dates, freq, n):
    """The `n` dates after the last of `dates`, stepping by `freq` (anchored on
    the last date, so "YS" after 2020-07-01 gives 2021-07-01)."""
    dates = np.asarray(dates, dtype="datetime64[us]").reshape(-1)
    if len(dates) == 0:
        raise InputError("extend_dates: `dates` is empty")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise InputError(f"Expected `n` to be an integer >= 0. Received: n={n!r}")
    grid = _grid(dates[-1], n + 1, _base(freq), strict=False)
    if grid is None:
        raise InputError(
            f"extend_dates: the last date {_date_text(dates[-1])} is not a date of "
            f"frequency {freq!r}"
        )
    return grid[1:]
