"""Reader for the UCR/UEA `.ts` format used by aeon and sktime.

Header lines start with `@` (`@problemName`, `@univariate`, `@dimensions`,
`@equalLength`, `@seriesLength`, `@classLabel true a b c`, `@targetLabel true`,
`@missing`, `@timeStamps`), then `@data`. Each data line holds one case: the
dimensions separated by `:`, values within a dimension by `,`, and the class
label (or regression target) last. `?` (or `NaN`) is a missing value. `#` starts
a comment line. The file is UTF-8, with or without a byte-order mark.
"""

import io
import math

import numpy as np

from zoo._errors import InputError
from zoo.data._text import read_text, shown

_BOOLEAN_TAGS = ("@targetlabel", "@equallength", "@univariate", "@timestamps", "@missing")


def _fail(path, line_number, message):
    raise InputError(f"{path}, line {line_number}: {message}")


def _parse_bool(path, line_number, tag, token):
    if token.lower() not in ("true", "false"):
        _fail(path, line_number, f"{tag} must be true or false, got {token!r}")
    return token.lower() == "true"


def _parse_value(path, line_number, token):
    token = token.strip()
    if token in ("?", "") or token.lower() == "nan":
        return math.nan
    try:
        return float(token)
    except ValueError:
        _fail(path, line_number, f"non-numeric value {shown(token)}")


def read_ts(path):
    """Reads a `.ts` file.

    Returns:
        A dict with `series` (a list, one entry per case, of float arrays of
        shape (timesteps, dimensions) with NaN for missing values), `labels`
        (a list of str, floats for `@targetLabel` with NaN where the target is
        `?`, or None where the file has no label), `class_labels`
        (the declared labels, or None), `target` (True for `@targetLabel`),
        `equal_length` (bool or None), `dimensions`, and `lines` (the line
        number of each case).

    Raises:
        zoo.InputError: naming the file and line of the first problem.
    """
    header = {}
    series, labels, lines = [], [], []
    in_data = False
    dimensions = None
    with io.StringIO(read_text(path)) as handle:  # universal newlines, like open()
        for line_number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if not line.startswith("@"):
                    _fail(path, line_number, f"expected a header line (@...), got {shown(line)}")
                tag, _, rest = line.partition(" ")
                tag = tag.lower()
                tokens = rest.split()
                if tag == "@data":
                    in_data = True
                    _check_header(path, line_number, header)
                elif tag == "@classlabel":
                    if not tokens:
                        _fail(path, line_number, "@classLabel needs true or false")
                    has = _parse_bool(path, line_number, "@classLabel", tokens[0])
                    if has and len(tokens) < 2:
                        _fail(path, line_number, "@classLabel true must list the class labels")
                    if any("\x00" in token for token in tokens):
                        _fail(path, line_number, "@classLabel: a label holds a NUL character")
                    header["class_labels"] = tokens[1:] if has else None
                elif tag in _BOOLEAN_TAGS:
                    if not tokens:
                        _fail(path, line_number, f"{tag} needs true or false")
                    header[tag] = _parse_bool(path, line_number, tag, tokens[0])
                elif tag in ("@dimensions", "@serieslength"):
                    try:
                        header[tag] = int(tokens[0])
                    except (IndexError, ValueError):
                        _fail(path, line_number, f"{tag} needs an integer")
                continue
            case, case_labels = _parse_case(path, line_number, line, header)
            if header.get("@equallength") and series and len(case) != len(series[0]):
                _fail(
                    path,
                    line_number,
                    f"ragged row: length {len(case)}, but earlier cases have "
                    f"{len(series[0])} in a file that says @equalLength true",
                )
            if dimensions is None:
                dimensions = case.shape[1]
            elif case.shape[1] != dimensions:
                _fail(
                    path,
                    line_number,
                    f"{case.shape[1]} dimensions, but earlier cases have {dimensions}",
                )
            series.append(case)
            labels.append(case_labels)
            lines.append(line_number)
    if not series:
        raise InputError(f"{path}: no data (an empty file, or no case after @data)")
    has_label = header.get("class_labels") is not None or header.get("@targetlabel", False)
    return {
        "series": series,
        "labels": labels if has_label else None,
        "class_labels": header.get("class_labels"),
        "target": header.get("@targetlabel", False),
        "equal_length": header.get("@equallength"),
        "dimensions": dimensions,
        "lines": lines,
    }


def _check_header(path, line_number, header):
    if header.get("@timestamps"):
        _fail(path, line_number, "@timeStamps true is not supported; give values only")


def _parse_case(path, line_number, line, header):
    has_label = header.get("class_labels") is not None or header.get("@targetlabel", False)
    fields = line.split(":")
    label = None
    if has_label:
        if len(fields) < 2:
            _fail(path, line_number, "expected the values then ':' and the label")
        label = fields[-1].strip()
        fields = fields[:-1]
        declared = header.get("class_labels")
        if declared is not None and label not in declared:
            listed = str([d if len(d) <= 40 else d[:40] + "..." for d in declared[:20]])
            listed = listed[:-1] + ", ...]" if len(declared) > 20 else listed
            _fail(
                path, line_number, f"label {shown(label)} is not declared in @classLabel {listed}"
            )
        if header.get("@targetlabel"):
            label = _parse_value(path, line_number, label)  # a target must be numeric
    if header.get("@dimensions") is not None and len(fields) != header["@dimensions"]:
        _fail(
            path,
            line_number,
            f"{len(fields)} dimensions, but @dimensions says {header['@dimensions']}",
        )
    if header.get("@univariate") and len(fields) != 1:
        _fail(path, line_number, f"{len(fields)} dimensions in a file that says @univariate true")
    values = [
        [_parse_value(path, line_number, token) for token in field.split(",")] for field in fields
    ]
    lengths = {len(v) for v in values}
    if len(lengths) > 1:  # aeon refuses these too: padding them would change the data unsaid
        _fail(
            path,
            line_number,
            f"ragged case: its dimensions have lengths {[len(v) for v in values]}; "
            "every dimension of a case has one length (@equalLength false lets cases differ, "
            "not the dimensions of one case)",
        )
    if header.get("@equallength"):
        expected = header.get("@serieslength")
        if expected is not None and lengths != {expected}:
            want = expected if expected is not None else "the same length"
            _fail(
                path,
                line_number,
                f"ragged row: dimension lengths {sorted(lengths)} in a file that says "
                f"@equalLength true (expected {want})",
            )
    return np.array(values, dtype="float64").T, label
