"""Fuzz test of the file loaders: damaged files give data or one clear error.

Valid `.ts`, `.csv` and `.npz` files (and a series `.csv`) are mutated at random,
from a fixed seed: bytes flipped, the file truncated, tokens inserted (`inf`,
`1e39`, `?`, `NA`, a byte-order mark, latin-1 bytes, NUL, separators), lines
duplicated or deleted. Every mutant goes through `zoo.data.load` (or
`zoo.data.read_series_csv`), and each outcome must be either

- data: float32 `x` of shape (samples, timesteps, features) whose values are
  finite or NaN (missing), with an observed value in every series, one label per
  sample, and finite float targets; or
- a `zoo.InputError` whose message names the file.

Any other exception fails the test with the seed and the mutant's bytes.

The default run is a few hundred mutants per format (a few seconds). For a longer
run set `ZOO_FUZZ_EXAMPLES` (mutants per format) and optionally `ZOO_FUZZ_SEED`:

    ZOO_FUZZ_EXAMPLES=5000 KERAS_BACKEND=jax python -m pytest tests/test_fuzz_data.py
"""

import io
import os

import numpy as np
import pytest

from zoo import data
from zoo._errors import InputError
from zoo.data._text import is_missing

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once

EXAMPLES = int(os.environ.get("ZOO_FUZZ_EXAMPLES", "300"))
SEED = int(os.environ.get("ZOO_FUZZ_SEED", "0"))

TS = b"""# a comment
@problemName Tiny
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true 1 01 b
@data
1,2,3,4:5,6,7,8:1
4,3,?,1:0.5,NaN,2,1:01
0.5,1.5,2.5:3.5,1,2:b
-1e3,2e-3,3,4:1,1,1,1:1
"""
TS_TARGET = b"""@problemName R
@univariate true
@targetLabel true
@data
1,2,3:0.5
3,2,1:-1.25
7,?,9:3e2
"""
CSV = b"""label,t0,t1,t2,t3
a,1,2,3,4
b,?,NA,3,
a,0.5,,1e3,2
c,1,1,1,1
"""
CSV_NUMERIC_LABELS = b"""0,1,2,3,4
1,?,NA,3,
0,0.5,,1e3,2
2,1,1,1,1
"""
SERIES_CSV = b"""date,a,b,kind
2020-01,1,10,x
2020-02,,20,y
2020-03,3,NA,x
2020-04,4,40,y
"""

TOKENS = [
    b"inf",
    b"-inf",
    b"1e39",
    b"-1e39",
    b"1e400",
    b"?",
    b"NA",
    b"nan",
    b"\xef\xbb\xbf",
    b"\xe9",
    b"\xff\xfe",
    b"\x00",
    b",",
    b":",
    b"\n",
    b"\r",
    b'"',
    b"@data",
    b"@classLabel true 1",
    b"@targetLabel true",
    b"1" * 200,
    b"01",
]


def npz_bytes(x, y):
    buffer = io.BytesIO()
    np.savez(buffer, x=x, y=y)
    return buffer.getvalue()


def compressed_npz_bytes(x, y):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y)
    return buffer.getvalue()


def mutate(rng, raw, binary):
    """One to three random mutations of `raw`."""
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.integers(0, 7 if not binary else 4)
        at = int(rng.integers(0, len(raw) + 1)) if raw else 0
        if kind == 0 and raw:  # flip a byte
            at = min(at, len(raw) - 1)
            raw = raw[:at] + bytes([raw[at] ^ int(rng.integers(1, 256))]) + raw[at + 1 :]
        elif kind == 1:  # truncate
            raw = raw[:at]
        elif kind == 2:  # insert a token
            raw = raw[:at] + TOKENS[int(rng.integers(len(TOKENS)))] + raw[at:]
        elif kind == 3 and raw:  # overwrite with a token
            token = TOKENS[int(rng.integers(len(TOKENS)))]
            raw = raw[:at] + token + raw[at + len(token) :]
        elif kind == 6 and raw:  # a whole cell becomes a token
            raw = with_cell(raw, at, TOKENS[int(rng.integers(len(TOKENS)))])
        else:  # lines: duplicate or delete one
            lines = raw.split(b"\n")
            i = int(rng.integers(len(lines)))
            if kind == 4:
                lines.insert(i, lines[i])
            else:
                del lines[i]
            raw = b"\n".join(lines)
    return raw


def with_cell(raw, at, token):
    """`raw` with the cell (between `,`, `:` and line ends) around `at` replaced."""
    start = end = min(at, len(raw) - 1)
    while start > 0 and raw[start - 1 : start] not in b",:\n":
        start -= 1
    while end < len(raw) and raw[end : end + 1] not in b",:\n":
        end += 1
    return raw[:start] + token + raw[end:]


def check_labelled(x, y, declared=False):
    """The invariants of loaded data; `declared`: labels a `.ts` header declares
    (any declared string is a class), else read from the cells (.csv, .npz)."""
    assert x.dtype == np.float32 and x.ndim == 3 and 0 not in x.shape
    assert not np.isinf(x).any()
    assert (~np.isnan(x)).reshape(len(x), -1).any(axis=1).all(), "a series with no value"
    assert y.ndim == 1 and len(y) == len(x)
    if y.dtype.kind == "f":
        assert np.isfinite(y).all() and (np.abs(y) <= np.finfo(np.float32).max).all()
    if y.dtype.kind == "U" and not declared:
        assert not any(is_missing(label) for label in y), "a missing label"
        try:
            numbers = np.array([float(label) for label in y])
        except ValueError:
            return
        assert (np.abs(numbers) <= np.finfo(np.float32).max).all(), "a non-finite label"


def check_series(table):
    for name in table.names:
        column = table.values[name]
        assert np.isfinite(column).all() and (np.abs(column) <= np.finfo(np.float32).max).all()


# A non-finite number written in a file, each with a finite stand-in of the
# same sign (longest first, so "-1e39" is not read as "-" and "1e39").
NON_FINITE = ((b"-1e400", b"-7"), (b"1e400", b"7"), (b"-1e39", b"-7"), (b"1e39", b"7"))
NON_FINITE += ((b"-inf", b"-7"), (b"inf", b"7"))


def check_non_finite_reported(path, raw, loaded):
    """A mutant that `loaded` (x, y) must not have read a non-finite number as
    a missing value: with each such number written as a finite one, the file
    must load with the same missing values (else it was the number itself
    that became NaN). Mutants whose stand-in changes more than a value (a
    label, a header) are not compared."""
    if not any(token in raw for token, _ in NON_FINITE):
        return
    control = raw
    for token, finite in NON_FINITE:
        control = control.replace(token, finite)
    twin = path.with_name(f"control{path.suffix}")
    twin.write_bytes(control)
    try:
        x, _ = data.load(twin)
    except InputError:
        return
    if x.shape == loaded[0].shape:
        assert np.array_equal(np.isnan(x), np.isnan(loaded[0])), (
            "a non-finite value was read as a missing one instead of being reported"
        )


def outcome(path, load, check):
    try:
        result = load(path)
    except InputError as error:
        assert path.name in str(error), f"the message does not name the file: {error}"
        return "error"
    check(result)
    return "data"


CASES = {
    "ts": (TS, ".ts", False),
    "ts_target": (TS_TARGET, ".ts", False),
    "csv": (CSV, ".csv", False),
    "csv_numeric_labels": (CSV_NUMERIC_LABELS, ".csv", False),
    "npz": (
        npz_bytes(np.array([[1.0, 2, np.nan], [4, 5, 6]]).reshape(2, 3), np.array(["a", "b"])),
        ".npz",
        True,
    ),
    "npz_float_y": (
        npz_bytes(np.arange(12, dtype="float32").reshape(2, 3, 2), np.array([0.5, 1.5])),
        ".npz",
        True,
    ),
    "npz_compressed": (
        compressed_npz_bytes(np.arange(8.0).reshape(4, 2), np.array([1, 2, 1, 2])),
        ".npz",
        True,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mutated_files_load_or_name_the_file(tmp_path, case):
    original, suffix, binary = CASES[case]
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(original)
    check = lambda r: check_labelled(*r, declared=suffix == ".ts")  # noqa: E731
    assert outcome(path, data.load, check) == "data"
    rng = np.random.default_rng([SEED, sorted(CASES).index(case)])
    seen = set()
    for example in range(EXAMPLES):
        raw = mutate(rng, original, binary)
        if not binary and example % 10 == 0:  # one cell of the whole file, non-finite
            token = NON_FINITE[int(rng.integers(len(NON_FINITE)))][0]
            raw = with_cell(original, int(rng.integers(len(original))), token)
        path.write_bytes(raw)

        def checks(loaded, raw=raw):
            check(loaded)
            if not binary:
                check_non_finite_reported(path, raw, loaded)

        try:
            seen.add(outcome(path, data.load, checks))
        except Exception as error:  # noqa: BLE001 - report the mutant that broke it
            raise AssertionError(
                f"{case} mutant {example} (ZOO_FUZZ_SEED={SEED}) raised "
                f"{type(error).__name__}: {error}\n{raw!r}"
            ) from error
    if EXAMPLES >= 100:
        assert seen == {"data", "error"}, seen  # the mutations reach both outcomes


def test_mutated_series_csv_reads_or_names_the_file(tmp_path):
    path = tmp_path / "series.csv"
    rng = np.random.default_rng([SEED, 99])
    seen = set()
    for example in range(EXAMPLES):
        raw = mutate(rng, SERIES_CSV, False)
        path.write_bytes(raw)
        for fill in ("forward", None):
            try:
                seen.add(
                    outcome(
                        path,
                        lambda p, fill=fill: data.read_series_csv(p, fill=fill),
                        check_series,
                    )
                )
            except Exception as error:  # noqa: BLE001
                raise AssertionError(
                    f"series mutant {example} (ZOO_FUZZ_SEED={SEED}, fill={fill}) raised "
                    f"{type(error).__name__}: {error}\n{raw!r}"
                ) from error
    if EXAMPLES >= 100:
        assert seen == {"data", "error"}, seen
