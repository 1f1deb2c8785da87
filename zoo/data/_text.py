"""Reading text files: UTF-8 with or without a byte-order mark, CSV rows by line.

Every failure is a `zoo.InputError` naming the file (and the line or byte).
"""

import codecs
import csv
import functools
import io
import sys

from zoo._errors import InputError

MISSING = frozenset({"", "?", "na", "nan", "null"})
"""Cell texts (lower-cased, stripped) that mean a missing value in a CSV file."""


def is_missing(cell):
    return cell.strip().lower() in MISSING


def shown(text, limit=40):
    """`text` as a message quotes it (`repr`), cut to about `limit` characters
    with its full length noted, so a 200 KB cell stays a one-line message."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def read_text(path):
    """The file's text, decoded as UTF-8 (a leading byte-order mark is dropped).

    Line ends are left as they are. Raises `InputError` for a file that cannot
    be read or is not UTF-8, naming the byte offset and line of the first bad byte.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror or error})") from None
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        line = raw[:offset].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: not UTF-8 text: byte 0x{raw[offset]:02x} at byte offset "
            f"{offset} ({error.reason}); save the file as UTF-8"
        ) from None


def csv_rows(path):
    """The rows of a CSV file as `(line_number, cells)` pairs; blank lines are skipped.

    `line_number` is the line the row starts on (a quoted cell may span lines).
    A cell of any size is read (the `csv` module's field-size limit is raised
    while reading and restored after); a malformed file is an `InputError`
    naming the line.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    previous = csv.field_size_limit(_largest_field_limit())
    try:
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise InputError(f"{path}, line {reader.line_num}: bad CSV ({error})") from None
            if row:  # a blank line is no row; a line of empty cells is one
                rows.append((start, row))
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(previous)
    return rows


@functools.cache
def _largest_field_limit():
    limit = sys.maxsize  # too large for a C long on some platforms: halve until it fits
    while True:
        try:
            previous = csv.field_size_limit(limit)
        except OverflowError:
            limit //= 2
            continue
        csv.field_size_limit(previous)
        return limit
