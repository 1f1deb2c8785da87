"""Malformed inputs and bad flags through the recipes: every one must be refused
with one line naming the file and line (or the flag), exit status 2, before any
training starts.

    KERAS_BACKEND=jax python -m tests.input_catalogue --out /tmp/malformed
    python -m tests.input_catalogue --only csv --recipe classify   # a subset

A catalogue of malformed files (`.ts`, `.csv`, `.npz`: non-finite values,
damaged archives, bad headers, encodings, label problems, splits too small) and
bad flag combinations goes through `recipes.classify`, `regress`, `anomaly`,
`embed` and `autoencode`, in this process (each recipe's `main` under
`recipes._cli.run`, as the command line runs it) with a tiny training budget,
so that a case that wrongly trains ends fast. A few valid but unusual inputs
(a byte-order mark, a first data row of missing values, CRLF line ends) are
controls: they must train.

Each outcome is one of
- OK: exit 2, one line naming the file (and line) or the flag, before training
  (for a control: exit 0);
- TRAINED-ON-BAD: exit 0 on a bad input;
- INTERNAL-AS-USER: exit 2, but the message is a library's own (a raw
  scikit-learn, NumPy or Keras message), not the project's check;
- CRASH: a traceback and exit 1 (or any other status);
- VAGUE: exit 2, but the message names neither the file nor the flag, or is
  not one line;
- LATE: exit 2 after training started;
- REJECTED-GOOD: a control that did not train.

Writes `malformed_inputs.md` (one row per case) and `malformed_inputs.json` to
`--out` and prints the count of each outcome; the exit status is 1 when any
case is not OK.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

OUTCOMES = ("OK", "TRAINED-ON-BAD", "INTERNAL-AS-USER", "CRASH", "VAGUE", "LATE", "REJECTED-GOOD")

# Messages that are a library's own, not one of the project's checks.
RAW_LIBRARY = (
    "Found input variables with inconsistent",
    "argmax of an empty sequence",
    "should be greater or equal to the number of classes",
    "Example error message",
    "np.str_(",
    "np.float64(",
    "np.int64(",
    "Seed must be between",
    "The least populated class",
    "resulting train set will be empty",
    "Input contains NaN",
    "Input contains infinity",
    "could not convert string to float",
    "zero-size array",
    "continuous is not supported",
    "Traceback",
)
# stderr lines that are log noise, not the recipe's message
NOISE = ("WARNING: All log messages", "I0000", "E0000", "W0000", "oneDNN", "WARNING:absl")

TINY = {
    "classify": ["--max-steps", "3", "--units", "4", "--no-classic-baselines"],
    "regress": ["--max-steps", "3", "--units", "4"],
    "forecast": ["--max-steps", "3", "--units", "4"],
    "predict": [],
    "anomaly": ["--max-steps", "3", "--units", "4", "--latent-dim", "2"],
    "embed": ["--max-steps", "3", "--units", "4", "--latent-dim", "2"],
    "autoencode": ["--max-steps", "3", "--units", "4", "--latent-dim", "2"],
}


@dataclass
class Case:
    """One input: `build(folder)` writes its files and returns the recipe's argv
    (without the tiny budget and `--out`); the message must contain every
    entry of `mentions` (an entry "a|b" accepts either)."""

    name: str
    group: str
    recipe: str
    build: object
    mentions: tuple = ()
    control: bool = False
    tiny: bool = True
    extra: dict = field(default_factory=dict)


CASES = []


def case(name, group, recipe, mentions=(), *, control=False, tiny=True):
    def register(build):
        CASES.append(Case(name, group, recipe, build, tuple(mentions), control, tiny))
        return build

    return register


def add(name, group, recipe, build, mentions=(), **kwargs):
    case(name, group, recipe, mentions, **kwargs)(build)


def train_case(group, name, mentions, make, recipe, file, argv=(), control=False, label=None):
    """A case whose input is one --train file, `make()`'s content (the families below)."""

    def build(d):
        return ["--train", write(d, file, make()), *argv]

    add(f"{label or group}: {name}", group, recipe, build, mentions, control=control)


# === Valid base data ===

N, STEPS = 40, 16


def waves(n=N, steps=STEPS, classes=("a", "b"), seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array([classes[i % len(classes)] for i in range(n)])
    t = np.arange(steps)
    freq = np.array([0.2 + 0.4 * classes.index(c) / max(1, len(classes) - 1) for c in labels])
    x = np.sin(freq[:, None] * t) + 0.1 * rng.normal(size=(n, steps))
    return x.round(4), labels


def ts_text(x=None, labels=None, *, header=None, declared=None, lines=None):
    """A univariate equal-length `.ts` file; `lines` replaces the data lines."""
    if x is None:
        x, labels = waves()
    declared = declared if declared is not None else " ".join(sorted(set(map(str, labels))))
    head = header or (
        "@problemName Waves\n@univariate true\n@equalLength true\n"
        f"@seriesLength {x.shape[1]}\n@classLabel true {declared}\n@data\n"
    )
    if lines is None:
        lines = [
            ",".join(f"{v:g}" for v in row) + f":{label}"
            for row, label in zip(x, labels, strict=True)
        ]
    return head + "\n".join(lines) + "\n"


def csv_text(x=None, labels=None, *, header=True, rows=None):
    if x is None:
        x, labels = waves()
    head = "label," + ",".join(f"t{j}" for j in range(x.shape[1])) + "\n" if header else ""
    if rows is None:
        rows = [
            f"{label}," + ",".join(f"{v:g}" for v in row)
            for row, label in zip(x, labels, strict=True)
        ]
    return head + "\n".join(rows) + "\n"


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def series_rows(rows=200, seed=0):
    """A series table: date, value, other, fault (1 marks a few anomalous rows)."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    value = 10 + np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=rows) + 0.01 * t
    other = np.cos(2 * np.pi * t / 12)
    fault = np.zeros(rows, dtype=int)
    fault[[r for r in (150, 170, 190) if r < rows]] = 1
    return [
        [f"2000-{i:04d}", f"{value[i]:.4f}", f"{other[i]:.4f}", str(fault[i])] for i in range(rows)
    ]


def series_text(rows=None, header="date,value,other,fault"):
    rows = series_rows() if rows is None else rows
    return header + "\n" + "\n".join(",".join(r) for r in rows) + "\n"


def write(folder, name, content):
    path = Path(folder) / name
    if content is None:  # a path that is not there
        return path
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def with_line(text, line_number, new):
    """`text` with its line `line_number` (1-based) replaced by `new`."""
    lines = text.split("\n")
    lines[line_number - 1] = new
    return "\n".join(lines)


def with_value(text, line_number, index, value, sep=","):
    """Line `line_number` of `text` with its `index`-th comma-separated cell set to `value`."""
    lines = text.split("\n")
    cells = lines[line_number - 1].split(sep)
    cells[index] = value
    lines[line_number - 1] = sep.join(cells)
    return "\n".join(lines)


# === Classification files: .ts ===

TS_FIRST = 7  # the first data line of `ts_text()`


def ts_case(name, mentions, make, recipe="classify", control=False):
    train_case("ts", name, mentions, make, recipe, "bad.ts", control=control)


for token in ("inf", "-inf", "1e39", "-1e39", "1e400", "Infinity"):
    ts_case(
        f"value {token}",
        ("bad.ts", "line 9"),
        lambda token=token: with_value(ts_text(), TS_FIRST + 2, 3, token),
    )
ts_case(
    "every value of a case missing",
    ("bad.ts", "line 8"),
    lambda: with_line(ts_text(), TS_FIRST + 1, ",".join(["?"] * STEPS) + ":b"),
)
ts_case(
    "every value of a case NaN",
    ("bad.ts", "line 7"),
    lambda: with_line(ts_text(), TS_FIRST, ",".join(["NaN"] * STEPS) + ":a"),
)
ts_case("text value", ("bad.ts", "line 8"), lambda: with_value(ts_text(), TS_FIRST + 1, 2, "abc"))
ts_case(
    "Latin-1 byte",
    ("bad.ts", "line 8"),
    lambda: with_value(ts_text(), TS_FIRST + 1, 2, "1\xe9").encode("latin-1"),
)
ts_case(
    "NUL byte in a value",
    ("bad.ts", "line 8"),
    lambda: with_value(ts_text(), TS_FIRST + 1, 2, "1\x002"),
)
ts_case(
    "label not declared",
    ("bad.ts", "line 8"),
    lambda: with_line(ts_text(), TS_FIRST + 1, ",".join(["1"] * STEPS) + ":c"),
)
ts_case(
    "label 01 where 1 is declared",
    ("bad.ts", "line 7"),
    lambda: ts_text(
        np.ones((4, 5)),
        ["1", "2", "1", "2"],
        declared="1 2",
        lines=["1,2,3,4,5:01", "1,2,3,4,5:2", "1,2,3,4,5:1", "1,2,3,4,5:2"],
    ),
)
ts_case(
    "empty label",
    ("bad.ts", "line 8"),
    lambda: with_line(ts_text(), TS_FIRST + 1, ",".join(["1"] * STEPS) + ":"),
)
ts_case(
    "no label separator",
    ("bad.ts", "line 8"),
    lambda: with_line(ts_text(), TS_FIRST + 1, ",".join(["1"] * STEPS)),
)
ts_case("missing @data", ("bad.ts", "line 6"), lambda: ts_text().replace("@data\n", ""))
ts_case(
    "@classLabel false",
    ("bad.ts",),
    lambda: ts_text().replace("@classLabel true a b", "@classLabel false"),
)
ts_case(
    "@classLabel without labels",
    ("bad.ts", "line 5"),
    lambda: ts_text().replace("@classLabel true a b", "@classLabel true"),
)
ts_case(
    "@classLabel maybe",
    ("bad.ts", "line 5"),
    lambda: ts_text().replace("@classLabel true a b", "@classLabel maybe a b"),
)
ts_case("@dimensions not a number", ("bad.ts", "line 1"), lambda: "@dimensions two\n" + ts_text())
ts_case(
    "@dimensions 2 for one",
    ("bad.ts", "line 7"),
    lambda: ts_text().replace("@univariate true", "@dimensions 2"),
)
ts_case(
    "@univariate true, two dimensions",
    ("bad.ts", "line 7"),
    lambda: with_line(ts_text(), TS_FIRST, "1,2,3:4,5,6:a"),
)
ts_case(
    "@equalLength maybe",
    ("bad.ts", "line 3"),
    lambda: ts_text().replace("@equalLength true", "@equalLength maybe"),
)
ts_case(
    "@seriesLength wrong",
    ("bad.ts", "line 7"),
    lambda: ts_text().replace(f"@seriesLength {STEPS}", "@seriesLength 99"),
)
ts_case(
    "ragged row with @equalLength true",
    ("bad.ts", "line 8"),
    lambda: with_line(ts_text(), TS_FIRST + 1, "1,2,3:b"),
)
ts_case(
    "dimensions differ between cases",
    ("bad.ts", "line 5"),
    lambda: ts_text(
        header="@problemName D\n@classLabel true a b\n@data\n",
        lines=["1,2,3:4,5,6:a"] + ["1,2,3:b"] * 3,
    ),
)
ts_case(
    "@timeStamps true",
    ("bad.ts", "line 7"),
    lambda: ts_text().replace("@problemName Waves", "@problemName Waves\n@timeStamps true"),
)
ts_case("a data line before the header", ("bad.ts", "line 1"), lambda: "1,2,3:a\n" + ts_text())
ts_case("empty file", ("bad.ts",), lambda: "")
ts_case("header only", ("bad.ts",), lambda: ts_text().split("@data")[0] + "@data\n")
ts_case("only comments", ("bad.ts",), lambda: "# nothing\n# here\n")
ts_case("binary garbage", ("bad.ts",), lambda: bytes(range(256)) * 4)
ts_case("UTF-16 file", ("bad.ts",), lambda: ts_text().encode("utf-16"))
ts_case(
    "a single class", ("bad.ts", "class"), lambda: ts_text(*waves(classes=("a",)), declared="a")
)
ts_case(
    "a class with a single case (no --test)",
    ("bad.ts", "--test"),
    lambda: ts_text(
        np.vstack([waves()[0], np.ones((1, STEPS))]), [*waves()[1], "c"], declared="a b c"
    ),
)
ts_case(
    "6 classes of 2 cases (no --test)",
    ("bad.ts", "--test"),
    lambda: ts_text(*waves(n=12, classes=tuple("abcdef"))),
)
ts_case(
    "@targetLabel true to classify",
    ("bad.ts", "recipes.regress"),
    lambda: ts_text(
        header="@problemName R\n@univariate true\n@targetLabel true\n@data\n",
        lines=[
            ",".join(f"{v:g}" for v in row) + f":{i * 0.37:.2f}" for i, row in enumerate(waves()[0])
        ],
    ),
)
ts_case(
    "declared classes 1 and 01 both used",
    (),
    lambda: ts_text(*waves(classes=("1", "01")), declared="1 01"),
    control=True,
)
ts_case("byte-order mark", (), lambda: "\ufeff" + ts_text(), control=True)
ts_case("CRLF line ends", (), lambda: ts_text().replace("\n", "\r\n"), control=True)
ts_case(
    "missing values inside a case",
    (),
    lambda: with_value(ts_text(), TS_FIRST + 1, 3, "?"),
    control=True,
)


# === Classification files: .csv ===

CSV_FIRST = 2  # the first data line of `csv_text()`


def csv_case(name, mentions, make, recipe="classify", argv=(), control=False, file="bad.csv"):
    train_case("csv", name, mentions, make, recipe, file, argv, control)


for token in ("inf", "-inf", "1e39", "-1e39", "1e400", "Infinity"):
    csv_case(
        f"value {token}",
        ("bad.csv", "line 4"),
        lambda token=token: with_value(csv_text(), CSV_FIRST + 2, 3, token),
    )
csv_case(
    "every value of a row missing",
    ("bad.csv", "line 3"),
    lambda: with_line(csv_text(), CSV_FIRST + 1, "b," + ",".join(["NA"] * STEPS)),
)
csv_case(
    "a row with a label only",
    ("bad.csv", "line 3"),
    lambda: with_line(csv_text(), CSV_FIRST + 1, "b"),
)
csv_case(
    "text value", ("bad.csv", "line 3"), lambda: with_value(csv_text(), CSV_FIRST + 1, 2, "x1")
)
csv_case(
    "Latin-1 byte",
    ("bad.csv", "line 4"),
    lambda: with_value(csv_text(), CSV_FIRST + 2, 0, "caf\xe9").encode("latin-1"),
)
csv_case(
    "Latin-1 byte in the header",
    ("bad.csv", "line 1"),
    lambda: csv_text().replace("label", "lab\xe9l").encode("latin-1"),
)
csv_case("UTF-16 file", ("bad.csv",), lambda: csv_text().encode("utf-16"))
csv_case(
    "huge numeric cell (200 KB of digits)",
    ("bad.csv", "line 3"),
    lambda: with_value(csv_text(), CSV_FIRST + 1, 2, "1" * 200_000),
)
csv_case(
    "huge text cell (200 KB)",
    ("bad.csv", "line 3"),
    lambda: with_value(csv_text(), CSV_FIRST + 1, 2, "x" * 200_000),
)
csv_case(
    "huge label cell (200 KB)",
    ("bad.csv", "--test"),
    lambda: with_value(csv_text(), CSV_FIRST + 1, 0, "y" * 200_000),
)
csv_case("empty file", ("bad.csv",), lambda: "")
csv_case("blank lines only", ("bad.csv",), lambda: "\n\n\n")
csv_case("header only", ("bad.csv",), lambda: csv_text().split("\n")[0] + "\n")
csv_case(
    "missing label cell",
    ("bad.csv", "line 5"),
    lambda: with_value(csv_text(), CSV_FIRST + 3, 0, ""),
)
csv_case("label ?", ("bad.csv", "line 5"), lambda: with_value(csv_text(), CSV_FIRST + 3, 0, "?"))
for name, value in (
    ("label NA", "NA"),
    ("label nan", "nan"),
    ("label inf among numbers", "inf"),
    ("label -inf among numbers", "-inf"),
    ("label 1e999 among numbers", "1e999"),
):  # a missing or non-finite label among numeric labels
    csv_case(
        name,
        ("bad.csv", "line 5"),
        lambda value=value: with_value(
            csv_text(*waves(classes=("0", "1"))), CSV_FIRST + 3, 0, value
        ),
    )
csv_case(
    "continuous labels",
    ("bad.csv", "recipes.regress"),
    lambda: csv_text(waves()[0], [f"{0.37 * i + 0.01:.2f}" for i in range(N)]),
)
csv_case("a single class", ("bad.csv", "class"), lambda: csv_text(*waves(classes=("a",))))
csv_case(
    "6 classes of 2 cases (no --test)",
    ("bad.csv", "--test"),
    lambda: csv_text(*waves(n=12, classes=tuple("abcdef"))),
)
csv_case("a class with a single case", ("bad.csv", "--test"), lambda: csv_text() + "z,1,2,3\n")
csv_case("semicolon separated", ("bad.csv",), lambda: csv_text().replace(",", ";"))
csv_case(
    "unterminated quote",
    ("bad.csv", "line"),
    lambda: with_value(csv_text(), CSV_FIRST + 1, 2, '"1.5'),
)
csv_case(
    "NUL byte", ("bad.csv", "line 3"), lambda: with_value(csv_text(), CSV_FIRST + 1, 2, "1\x002")
)
csv_case(
    "header mixing names and numbers",
    ("bad.csv", "line 1"),
    lambda: csv_text().replace("t3", "3.5"),
)
csv_case(
    "--label-column not a column",
    ("bad.csv", "--label-column|label_column"),
    lambda: csv_text(),
    argv=("--label-column", "klass"),
)
csv_case(
    "--label-column index out of range",
    ("bad.csv", "--label-column|label_column"),
    lambda: csv_text(),
    argv=("--label-column", "99"),
)
csv_case(
    "--label-column -1",
    ("bad.csv", "--label-column|label_column"),
    lambda: csv_text(),
    argv=("--label-column", "-1"),
)
csv_case("byte-order mark", (), lambda: "\ufeff" + csv_text(), control=True)
csv_case(
    "first data row with ?",
    (),
    lambda: csv_text(header=False).replace("a,", "a,?,", 1),
    control=True,
)
csv_case(
    "first data row with NA",
    (),
    lambda: with_value(csv_text(header=False), 1, 1, "NA"),
    control=True,
)
csv_case(
    "CRLF and quoted cells",
    (),
    lambda: csv_text().replace("\na,", '\n"a",').replace("\n", "\r\n"),
    control=True,
)


# === Classification files: .npz ===


def npz_case(name, mentions, make, recipe="classify", argv=(), control=False, file="bad.npz"):
    train_case("npz", name, mentions, make, recipe, file, argv, control)


def good_arrays(n=N, classes=("a", "b")):
    x, y = waves(n, classes=classes)
    return x.astype("float32")[..., None], y


def with_x(change):
    x, y = good_arrays()
    x = x.astype("float64")
    change(x)
    return npz_bytes(x=x, y=y)


for label, value in (("inf", np.inf), ("-inf", -np.inf), ("1e39", 1e39), ("-1e39", -1e39)):
    npz_case(
        f"x holds {label}",
        ("bad.npz", "'x' index (3, 5, 0)"),
        lambda value=value: with_x(lambda x: x.__setitem__((3, 5, 0), value)),
    )
npz_case("x all NaN", ("bad.npz", "series 0"), lambda: with_x(lambda x: x.fill(np.nan)))
npz_case(
    "one series all NaN",
    ("bad.npz", "series 4"),
    lambda: with_x(lambda x: x.__setitem__(4, np.nan)),
)
npz_case(
    "float16 x with inf",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(
        x=np.where(np.arange(N * STEPS).reshape(N, STEPS) == 7, np.inf, 1).astype("float16"),
        y=good_arrays()[1],
    ),
)
npz_case("empty file", ("bad.npz",), lambda: b"")
npz_case(
    "truncated archive",
    ("bad.npz",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1])[:-200],
)
npz_case(
    "truncated to half",
    ("bad.npz",),
    lambda: (lambda raw: raw[: len(raw) // 2])(npz_bytes(x=good_arrays()[0], y=good_arrays()[1])),
)


def crc_damaged():
    raw = bytearray(npz_bytes(x=good_arrays()[0], y=good_arrays()[1]))
    raw[200] ^= 0xFF  # inside x's data: the zip's CRC no longer matches
    return bytes(raw)


npz_case("CRC-damaged", ("bad.npz",), crc_damaged)


def compressed_damaged():
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=good_arrays()[0], y=good_arrays()[1])
    raw = bytearray(buffer.getvalue())
    raw[120] ^= 0x55
    return bytes(raw)


npz_case("compressed and damaged", ("bad.npz",), compressed_damaged)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


npz_case(".npy renamed .npz", ("bad.npz",), lambda: npy_bytes(good_arrays()[0]))
npz_case("text file renamed .npz", ("bad.npz",), lambda: csv_text())
npz_case("random bytes", ("bad.npz",), lambda: np.random.default_rng(1).bytes(3000))


def zip_of(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


npz_case("zip without x and y", ("bad.npz", "'x'"), lambda: zip_of({"readme.txt": "hello"}))
npz_case(
    "zip whose x.npy is text",
    ("bad.npz", "'x'"),
    lambda: zip_of({"x.npy": "not an array", "y.npy": npy_bytes(np.arange(3))}),
)
npz_case(
    "x.npy with a lying header",
    ("bad.npz", "'x'"),
    lambda: zip_of({"x.npy": npy_bytes(np.zeros((4, 3)))[:-40], "y.npy": npy_bytes(np.arange(4))}),
)
npz_case("missing y", ("bad.npz", "'y'"), lambda: npz_bytes(x=good_arrays()[0]))
npz_case(
    "arrays named X and Y",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(X=good_arrays()[0], Y=good_arrays()[1]),
)
npz_case("0-d y", ("bad.npz", "'y'"), lambda: npz_bytes(x=good_arrays()[0], y=np.array(1)))
npz_case(
    "2-D y (n, 2)",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.zeros((N, 2), dtype=int)),
)
npz_case(
    "2-D y (n, 1): a column of labels",
    (),
    lambda: npz_bytes(x=good_arrays()[0], y=(np.arange(N) % 2)[:, None]),
    control=True,
)
npz_case(
    "y shorter than x",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1][:-1]),
)
npz_case(
    "0-step x", ("bad.npz", "'x'"), lambda: npz_bytes(x=np.zeros((N, 0, 1)), y=good_arrays()[1])
)
npz_case(
    "0-sample x",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(x=np.zeros((0, STEPS, 1)), y=np.array([], dtype=int)),
)
npz_case(
    "0-feature x",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(x=np.zeros((N, STEPS, 0)), y=good_arrays()[1]),
)
npz_case(
    "1-D x", ("bad.npz", "'x'"), lambda: npz_bytes(x=np.arange(N, dtype=float), y=good_arrays()[1])
)
npz_case(
    "4-D x", ("bad.npz", "'x'"), lambda: npz_bytes(x=np.zeros((N, STEPS, 2, 2)), y=good_arrays()[1])
)
npz_case(
    "string x",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(x=np.full((N, STEPS), "1.0"), y=good_arrays()[1]),
)
npz_case(
    "complex x",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(x=np.zeros((N, STEPS), dtype=complex), y=good_arrays()[1]),
)
npz_case(
    "object x (pickle)",
    ("bad.npz", "'x'"),
    lambda: npz_bytes(x=np.array([[1.0, 2.0]] * N, dtype=object), y=good_arrays()[1]),
)
npz_case(
    "object y (pickle)",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.array(list(good_arrays()[1]), dtype=object)),
)
npz_case(
    "y byte strings, not UTF-8",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.array([b"\xff", b"a"] * (N // 2))),
)
npz_case(
    "empty-string label",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.array(["a", "b"] * (N // 2 - 1) + ["", "b"])),
)
npz_case(
    "y float NaN",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.where(np.arange(N) == 3, np.nan, np.arange(N) % 2)),
)
npz_case(
    "y float inf",
    ("bad.npz", "'y'"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.where(np.arange(N) == 3, np.inf, np.arange(N) % 2)),
)
npz_case(
    "continuous y",
    ("bad.npz", "recipes.regress"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.linspace(0, 1, N) + 0.001),
)
npz_case(
    "a single class",
    ("bad.npz", "class"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.zeros(N, dtype=int)),
)
npz_case(
    "6 classes of 2 cases",
    ("bad.npz", "--test"),
    lambda: npz_bytes(x=good_arrays(12)[0], y=np.repeat(np.arange(6), 2)),
)
npz_case(
    "a class with a single case",
    ("bad.npz", "--test"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.r_[np.arange(N - 1) % 2, 7]),
)
npz_case("bool x", (), lambda: npz_bytes(x=good_arrays()[0] > 0, y=good_arrays()[1]), control=True)
npz_case(
    "float labels that are whole numbers",
    (),
    lambda: npz_bytes(x=good_arrays()[0], y=(np.arange(N) % 2).astype(float)),
    control=True,
)


# === Classification: --test files ===


def train_test_case(name, mentions, make_test, recipe="classify", argv=()):
    def build(d):
        x, y = good_arrays()
        train = write(d, "train.npz", npz_bytes(x=x, y=y))
        return ["--train", train, "--test", write(d, *make_test()), *argv]

    add(f"test file: {name}", "test", recipe, build, mentions)


train_test_case(
    "other dimensions",
    ("test.npz",),
    lambda: ("test.npz", npz_bytes(x=np.zeros((6, STEPS, 3)), y=np.array(["a", "b"] * 3))),
)
train_test_case(
    "a class not in training",
    ("test.npz|train.npz", "'c'|c"),
    lambda: ("test.npz", npz_bytes(x=good_arrays(6)[0], y=np.array(["a", "b", "c"] * 2))),
)
train_test_case(
    "inf value",
    ("test.ts", "line 8"),
    lambda: ("test.ts", with_value(ts_text(*waves(6)), TS_FIRST + 1, 0, "inf")),
)
train_test_case("a damaged file", ("test.npz",), lambda: ("test.npz", b"PK\x03\x04garbage"))
train_test_case("missing file", ("test.npz",), lambda: ("test.npz", None))
train_test_case(
    "labels of another type (ints vs strings)",
    ("test.npz|train.npz",),
    lambda: ("test.npz", npz_bytes(x=good_arrays(6)[0], y=np.array([0, 1] * 3))),
)


# === Classification: flags ===


def flag_case(name, mentions, argv, recipe="classify", data="npz"):
    def build(d):
        x, y = good_arrays()
        if data == "npz":
            path = write(d, "good.npz", npz_bytes(x=x, y=y))
        elif data == "reg":
            path = write(d, "good.npz", npz_bytes(x=x, y=np.linspace(0, 1, len(x))))
        else:
            path = None
        return ([] if path is None else ["--train", path]) + list(argv)

    add(f"flag: {name}", "flags", recipe, build, mentions)


for recipe in ("classify", "embed"):
    flag_case(f"{recipe} --seed -1", ("--seed",), ["--seed", "-1"], recipe)
    flag_case(f"{recipe} --seed 2**32", ("--seed",), ["--seed", str(2**32)], recipe)
    for lr in ("inf", "0", "-1", "nan", "1e309", "abc"):
        flag_case(
            f"{recipe} --learning-rate {lr}", ("--learning-rate",), ["--learning-rate", lr], recipe
        )
flag_case("--seed 1.5", ("--seed",), ["--seed", "1.5"])
flag_case("--batch-size 0", ("--batch-size",), ["--batch-size", "0"])
flag_case("--batch-size -4", ("--batch-size",), ["--batch-size", "-4"])
flag_case("--units 0", ("--units",), ["--units", "0"])
flag_case("--units empty", ("--units",), ["--units", ""])
flag_case("--units 8,x", ("--units",), ["--units", "8,x"])
flag_case("--model lstm --units 8,8", ("--units",), ["--model", "lstm", "--units", "8,8"])
flag_case("--max-steps 0", ("--max-steps",), ["--max-steps", "0"])
flag_case("--min-steps 0", ("--min-steps",), ["--min-steps", "0"])
flag_case("--patience-steps -1", ("--patience-steps",), ["--patience-steps", "-1"])
flag_case("--epochs 0", ("--epochs",), ["--epochs", "0"])
flag_case("--ensemble 0", ("--ensemble",), ["--ensemble", "0"])
flag_case("--dropout 1", ("--dropout",), ["--dropout", "1"])
flag_case("--dropout nan", ("--dropout",), ["--dropout", "nan"])
flag_case("--dropout -0.1", ("--dropout",), ["--dropout", "-0.1"])
flag_case("--val-split 1.0", ("--val-split",), ["--val-split", "1.0"])
flag_case("--val-split nan", ("--val-split",), ["--val-split", "nan"])
flag_case("--model transformer", ("--model",), ["--model", "transformer"])
flag_case("--model lstm_autoencoder (another task)", ("--model",), ["--model", "lstm_autoencoder"])
flag_case("--normalize bogus", ("--normalize",), ["--normalize", "bogus"])
flag_case("--test without --train", ("--test",), ["--test", "x.npz"], data=None)
flag_case("--train and --dataset", ("--dataset|--train",), ["--dataset", "GunPoint"])
flag_case("--dataset unknown", ("NoSuchSet",), ["--dataset", "NoSuchSet"], data=None)
flag_case("--train missing file", ("nothere.npz",), ["--train", "nothere.npz"], data=None)
flag_case("--train a folder", ("--train|.npz|folder|file",), ["--train", "."], data=None)
add(
    "flag: --train unknown extension",
    "flags",
    "classify",
    lambda d: ["--train", write(d, "data.txt", csv_text())],
    ("data.txt", ".txt"),
)
flag_case("--label-column on an .npz", ("--label-column|label_column",), ["--label-column", "1"])
flag_case("--val-split with a tiny set", ("--val-split",), ["--val-split", "0.99"])
flag_case("unknown flag", ("--colour",), ["--colour", "red"])
flag_case("--lr abbreviation", ("--learning",), ["--learning", "0.1"])


def out_is_a_file(d):
    x, y = good_arrays()
    train = write(d, "good.npz", npz_bytes(x=x, y=y))
    return ["--train", train, "--out", write(d, "taken", "a file")]


add("flag: --out is a file", "flags", "classify", out_is_a_file, ("taken",), tiny=True)


def resume_changed(changed, recipe="classify", mentions=None):
    """--resume with other flags than the saved run's (a crafted .train/flags.json)."""

    def build(d):
        from recipes import _cli, _training

        x, y = good_arrays()
        train = write(d, "good.npz", npz_bytes(x=x, y=y))
        base = ["--train", str(train), *TINY[recipe], "--out", str(Path(d) / "out")]
        args = module(recipe).parse_args(base)
        _training.start(args.out, resume=False, flags=_cli.resume_flags(args))
        return ["--train", train, *changed, "--resume"]

    name = " ".join(changed)
    add(f"resume: {recipe} {name}", "resume", recipe, build, mentions or (changed[0],))


resume_changed(["--learning-rate", "0.01"])
resume_changed(["--units", "6"])
resume_changed(["--seed", "3"])
resume_changed(["--model", "mlstm_fcn"])
resume_changed(["--dropout", "0.1"])
resume_changed(["--latent-dim", "3"], "embed")


def resume_nothing(d):
    x, y = good_arrays()
    return ["--train", write(d, "good.npz", npz_bytes(x=x, y=y)), "--resume"]


add("resume: no interrupted run", "resume", "classify", resume_nothing, ("--resume",))


# === Regression: forecasting (--data) ===

SERIES_FIRST = 2  # first data line of `series_text()`


def series_case(name, mentions, make, argv=(), recipe="regress", control=False):
    def build(d):
        path = write(d, "series.csv", make())
        base = ["--data", path, "--window", "8"]
        if recipe in ("regress", "forecast"):
            base += ["--target", "value"]
        else:
            base += ["--target", "value", "--label-column", "fault"]
        if recipe == "forecast":  # the windowed regressors: --window, --test-size, ...
            base += ["--model", "stacked_lstm"]
        return base + list(argv)

    add(f"series ({recipe}): {name}", "series", recipe, build, mentions, control=control)


for recipe in ("forecast", "anomaly"):
    for token in ("inf", "-inf", "1e39", "1e400"):
        series_case(
            f"target {token}",
            ("series.csv", "line 12"),
            lambda token=token: with_value(series_text(), 12, 1, token),
            recipe=recipe,
        )
    for token in ("", "?", "NA", "nan"):
        series_case(
            f"target {token or 'empty'} without --fill",
            ("series.csv", "line 12"),
            lambda token=token: with_value(series_text(), 12, 1, token),
            recipe=recipe,
        )
    series_case(
        "target text",
        ("series.csv", "line 12"),
        lambda: with_value(series_text(), 12, 1, "n/a"),
        recipe=recipe,
    )
    series_case(
        "feature inf",
        ("series.csv", "line 30"),
        lambda: with_value(series_text(), 30, 2, "inf"),
        recipe=recipe,
    )
    series_case(
        "ragged row",
        ("series.csv", "line 9"),
        lambda: with_line(series_text(), 9, "2000-0007,1.0"),
        recipe=recipe,
    )
    series_case("empty file", ("series.csv",), lambda: "", recipe=recipe)
    series_case("header only", ("series.csv",), lambda: "date,value,other,fault\n", recipe=recipe)
    series_case(
        "duplicate column name",
        ("series.csv", "line 1"),
        lambda: series_text(header="date,value,value,fault"),
        recipe=recipe,
    )
    series_case(
        "Latin-1 byte",
        ("series.csv", "line 20"),
        lambda: with_value(series_text(), 20, 0, "d\xe9c").encode("latin-1"),
        recipe=recipe,
    )
    series_case(
        "every target value missing, --fill forward",
        ("series.csv", "value"),
        lambda: series_text([[r[0], "NA", r[2], r[3]] for r in series_rows()]),
        argv=("--fill", "forward"),
        recipe=recipe,
    )
    series_case(
        "--target unknown", ("--target",), series_text, argv=("--target", "price"), recipe=recipe
    )
    series_case(
        "--date-column unknown",
        ("date_column|--date-column", "when"),
        series_text,
        argv=("--date-column", "when"),
        recipe=recipe,
    )
    series_case(
        "--window longer than the series",
        ("--window|window",),
        series_text,
        argv=("--window", "500"),
        recipe=recipe,
    )
    series_case(
        "--test-size 0",
        ("--test-size|test_size",),
        series_text,
        argv=("--test-size", "0"),
        recipe=recipe,
    )
    series_case(
        "--test-size 1.0", ("--test-size",), series_text, argv=("--test-size", "1.0"), recipe=recipe
    )
    series_case(
        "--test-size 1.5", ("--test-size",), series_text, argv=("--test-size", "1.5"), recipe=recipe
    )
    series_case(
        "--test-size -1", ("--test-size",), series_text, argv=("--test-size", "-1"), recipe=recipe
    )
    series_case(
        "--test-size 500 rows of 200",
        ("--test-size|test_size",),
        series_text,
        argv=("--test-size", "500"),
        recipe=recipe,
    )
    series_case(
        "--val-size 0.9 with --test-size 0.2",
        ("--val-size|val_size",),
        series_text,
        argv=("--val-size", "0.9", "--test-size", "0.2"),
        recipe=recipe,
    )
    series_case(
        "--val-size 0",
        ("--val-size|val_size",),
        series_text,
        argv=("--val-size", "0"),
        recipe=recipe,
    )
    series_case("--stride 0", ("--stride",), series_text, argv=("--stride", "0"), recipe=recipe)
    series_case("--window 0", ("--window",), series_text, argv=("--window", "0"), recipe=recipe)
    series_case(
        "--scaler bogus", ("--scaler",), series_text, argv=("--scaler", "bogus"), recipe=recipe
    )
    series_case("--fill bogus", ("--fill",), series_text, argv=("--fill", "bogus"), recipe=recipe)
    series_case(
        "byte-order mark", (), lambda: "\ufeff" + series_text(), recipe=recipe, control=True
    )

series_case(
    "missing --target with several columns", ("--target",), series_text, argv=("--target", "")
)


def regress_no_target(d):
    return ["--data", write(d, "series.csv", series_text()), "--window", "8"]


add(
    "series (regress): no --target, several columns",
    "series",
    "regress",
    regress_no_target,
    ("--target",),
)
series_case("--season longer than the data", ("--season",), series_text, argv=("--season", "500"))
series_case("--season 150 of 200 rows", ("--season",), series_text, argv=("--season", "150"))
series_case("--season 0", ("--season",), series_text, argv=("--season", "0"))
series_case(
    "--horizon longer than the test part",
    ("--horizon|horizon",),
    series_text,
    argv=("--horizon", "60"),
)
series_case("--horizon 0", ("--horizon",), series_text, argv=("--horizon", "0"))
series_case("--forecast 0", ("--forecast",), series_text, argv=("--forecast", "0"))
series_case(
    "--forecast beyond --horizon with --features",
    ("--forecast",),
    series_text,
    argv=("--features", "other", "--forecast", "5"),
)
series_case(
    "--features repeats --target", ("--features",), series_text, argv=("--features", "value")
)
series_case(
    "--features names a text column",
    ("--features", "date"),
    series_text,
    argv=("--features", "date"),
)
series_case(
    "--predict seasonal without --season",
    ("--season",),
    series_text,
    argv=("--predict", "seasonal"),
)
series_case(
    "--transform log with values <= 0",
    ("--transform|transform",),
    lambda: series_text([[r[0], "-" + r[1], r[2], r[3]] for r in series_rows()]),
    argv=("--transform", "log"),
)
series_case("--head-units 0", ("--head-units",), series_text, argv=("--head-units", "0"))
series_case("--train with --data", ("--data|--train",), series_text, argv=("--train", "x.npz"))
series_case("--test without --train", ("--test",), series_text, argv=("--test", "x.npz"))
series_case(
    "--window beyond the training rows",
    ("window|--window",),
    lambda: series_text(series_rows(40)),
    argv=("--window", "30", "--horizon", "4"),
)

# anomaly only
series_case(
    "--label-column unknown",
    ("--label-column",),
    series_text,
    argv=("--label-column", "broken"),
    recipe="anomaly",
)
series_case(
    "--label-column is a --target",
    ("--label-column",),
    series_text,
    argv=("--target", "value,fault"),
    recipe="anomaly",
)
series_case(
    "--label-column of text",
    ("--label-column", "date"),
    series_text,
    argv=("--label-column", "date"),
    recipe="anomaly",
)
series_case(
    "--label-column with inf",
    ("series.csv", "line 40"),
    lambda: with_value(series_text(), 40, 3, "inf"),
    recipe="anomaly",
)
series_case(
    "--label-column with a missing value",
    ("series.csv", "line 40"),
    lambda: with_value(series_text(), 40, 3, ""),
    recipe="anomaly",
)
series_case(
    "every training row anomalous",
    ("anomal",),
    lambda: series_text([[*r[:3], "1"] for r in series_rows()]),
    recipe="anomaly",
)
series_case(
    "--threshold-quantile 1.0",
    ("--threshold-quantile",),
    series_text,
    argv=("--threshold-quantile", "1.0"),
    recipe="anomaly",
)
series_case(
    "--threshold-quantile 0",
    ("--threshold-quantile",),
    series_text,
    argv=("--threshold-quantile", "0"),
    recipe="anomaly",
)
series_case(
    "--future-steps -1",
    ("--future-steps",),
    series_text,
    argv=("--future-steps", "-1"),
    recipe="anomaly",
)
series_case(
    "--future-steps beyond the parts",
    ("--future-steps",),
    series_text,
    argv=("--future-steps", "100"),
    recipe="anomaly",
)
series_case(
    "--normal-label with --data",
    ("--normal-label",),
    series_text,
    argv=("--normal-label", "0"),
    recipe="anomaly",
)
series_case(
    "--latent-dim 0", ("--latent-dim",), series_text, argv=("--latent-dim", "0"), recipe="anomaly"
)


# === Regression: series-to-number (--train) ===


def s2n_case(name, mentions, make, file="reg.npz", argv=()):
    train_case("series-to-number", name, mentions, make, "regress", file, argv)


def reg_arrays(n=N):
    x, _ = good_arrays(n)
    return x, np.linspace(0, 5, n)


for label, value in (("NaN", np.nan), ("inf", np.inf), ("-inf", -np.inf), ("1e39", 1e39)):
    s2n_case(
        f"npz target {label}",
        ("reg.npz", "'y'"),
        lambda value=value: npz_bytes(
            x=reg_arrays()[0], y=np.where(np.arange(N) == 5, value, reg_arrays()[1])
        ),
    )
s2n_case(
    "npz string targets",
    ("reg.npz", "number"),
    lambda: npz_bytes(x=reg_arrays()[0], y=good_arrays()[1]),
)
s2n_case(
    "npz x with inf",
    ("reg.npz", "'x'"),
    lambda: npz_bytes(
        x=np.where(np.arange(N)[:, None, None] == 2, np.inf, reg_arrays()[0]), y=reg_arrays()[1]
    ),
)


def reg_ts(target_of=lambda i: f"{i * 0.5:g}"):
    x = reg_arrays()[0][..., 0]
    return ts_text(
        header="@problemName R\n@univariate true\n@equalLength true\n@targetLabel true\n@data\n",
        lines=[",".join(f"{v:g}" for v in row) + f":{target_of(i)}" for i, row in enumerate(x)],
    )


for token in ("?", "NaN", "inf", "1e39", "abc"):
    s2n_case(
        f"ts target {token}",
        ("reg.ts", "line 10"),
        lambda token=token: reg_ts(lambda i: token if i == 4 else f"{i * 0.5:g}"),
        file="reg.ts",
    )
s2n_case(
    "ts @targetLabel without a target",
    ("reg.ts", "line 6"),
    lambda: with_line(reg_ts(), 6, "1,2,3"),
    file="reg.ts",
)
s2n_case(
    "csv target inf",
    ("reg.csv", "line 5"),
    lambda: with_value(
        csv_text(reg_arrays()[0][..., 0], [f"{v:g}" for v in reg_arrays()[1]]), 5, 0, "inf"
    ),
    file="reg.csv",
)
s2n_case(
    "csv target NA",
    ("reg.csv", "line 5"),
    lambda: with_value(
        csv_text(reg_arrays()[0][..., 0], [f"{v:g}" for v in reg_arrays()[1]]), 5, 0, "NA"
    ),
    file="reg.csv",
)
s2n_case("classes to regress", ("reg.ts", "number"), lambda: ts_text(), file="reg.ts")
s2n_case("two series", ("reg.npz",), lambda: npz_bytes(x=reg_arrays(2)[0], y=reg_arrays(2)[1]))
add(
    "series-to-number: three series (the fewest that split)",
    "series-to-number",
    "regress",
    lambda d: ["--train", write(d, "reg.npz", npz_bytes(x=reg_arrays(3)[0], y=reg_arrays(3)[1]))],
    control=True,
)
s2n_case(
    "--forecast with --train",
    ("--forecast",),
    lambda: npz_bytes(x=reg_arrays()[0], y=reg_arrays()[1]),
    argv=("--forecast", "3"),
)
s2n_case(
    "--dataset and --train",
    ("--dataset|--train",),
    lambda: npz_bytes(x=reg_arrays()[0], y=reg_arrays()[1]),
    argv=("--dataset", "Covid3Month"),
)
s2n_case(
    "--label-column with --train",
    ("--label-column",),
    lambda: npz_bytes(x=reg_arrays()[0], y=reg_arrays()[1]),
    argv=("--label-column", "1"),
)

flag_case("regress --seed -1", ("--seed",), ["--seed", "-1"], "regress", data="reg")
flag_case(
    "regress --learning-rate inf",
    ("--learning-rate",),
    ["--learning-rate", "inf"],
    "regress",
    data="reg",
)
flag_case("regress --batch-size 0", ("--batch-size",), ["--batch-size", "0"], "regress", data="reg")
flag_case(
    "regress --model lstm_fcn --units 4,4",
    ("--units",),
    ["--model", "lstm_fcn", "--units", "4,4"],
    "regress",
    data="reg",
)
flag_case(
    "regress --dataset unknown", ("NoSuchSet",), ["--dataset", "NoSuchSet"], "regress", data=None
)
resume_changed(["--window", "9"], "regress", mentions=("--window",))


# === Anomaly and embed: labelled sequences ===


def sequences_case(name, mentions, make, recipe, argv=(), file="seq.npz"):
    train_case("sequences", name, mentions, make, recipe, file, argv, label=f"sequences ({recipe})")


for recipe, normal in (
    ("anomaly", ["--normal-label", "a"]),
    ("embed", []),
    ("autoencode", ["--task", "embed"]),
):
    sequences_case(
        "a single class",
        ("seq.npz", "class"),
        lambda: npz_bytes(x=good_arrays()[0], y=np.array(["a"] * N)),
        recipe,
        normal,
    )
    sequences_case(
        "unequal lengths",
        ("seq.ts", "length|steps"),
        lambda: ts_text(
            header="@problemName U\n@univariate true\n@equalLength false\n"
            "@classLabel true a b\n@data\n",
            lines=["1,2,3,4,5:a", "1,2,3:b"] * 10,
        ),
        recipe,
        normal,
        file="seq.ts",
    )
    sequences_case(
        "x with inf",
        ("seq.npz", "'x'"),
        lambda: with_x(lambda x: x.__setitem__((1, 1, 0), np.inf)),
        recipe,
        normal,
    )
    sequences_case(
        "two sequences",
        ("seq.npz",),
        lambda: npz_bytes(x=good_arrays(2)[0], y=np.array(["a", "b"])),
        recipe,
        normal,
    )
    sequences_case(
        "continuous labels",
        ("seq.npz", "recipes.regress|continuous"),
        lambda: npz_bytes(x=good_arrays()[0], y=np.linspace(0, 1, N) + 0.001),
        recipe,
        normal,
    )
sequences_case(
    "--normal-label not a class",
    ("--normal-label",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "anomaly",
    ["--normal-label", "zzz"],
)
sequences_case(
    "--normal-label missing",
    ("--normal-label",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "anomaly",
)
sequences_case(
    "one normal sequence",
    ("seq.npz", "a"),
    lambda: npz_bytes(x=good_arrays()[0], y=np.array(["a"] + ["b"] * (N - 1))),
    "anomaly",
    ["--normal-label", "a"],
)
sequences_case(
    "--future-steps of the whole length",
    ("--future-steps",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "embed",
    ["--future-steps", str(STEPS)],
)
sequences_case(
    "--future-steps -2",
    ("--future-steps",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "embed",
    ["--future-steps", "-2"],
)
sequences_case(
    "--task bogus",
    ("--task",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "autoencode",
    ["--task", "bogus"],
)
sequences_case(
    "--scaler bogus",
    ("--scaler",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "embed",
    ["--scaler", "bogus"],
)
sequences_case(
    "--test with other dimensions",
    ("test.npz",),
    lambda: npz_bytes(x=good_arrays()[0], y=good_arrays()[1]),
    "embed",
    ["--test", "__TEST__"],
)
flag_case("embed --units 0", ("--units",), ["--units", "0"], "embed")
flag_case("embed --latent-dim 0", ("--latent-dim",), ["--latent-dim", "0"], "embed")
flag_case("embed --ensemble 0", ("--ensemble",), ["--ensemble", "0"], "embed")
flag_case("anomaly --seed 2**32", ("--seed",), ["--seed", str(2**32)], "anomaly", data=None)
flag_case(
    "anomaly --learning-rate 0",
    ("--learning-rate",),
    ["--learning-rate", "0"],
    "anomaly",
    data=None,
)
flag_case("anomaly --batch-size 0", ("--batch-size",), ["--batch-size", "0"], "anomaly", data=None)


# === Predict: a finished run applied to new data ===

_FINISHED = {}


def finished_run(recipe):
    """The folder of a finished tiny `recipe` run, trained once per process."""
    if recipe not in _FINISHED:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix=f"catalogue-{recipe}-"))
        if recipe == "classify":
            x, y = good_arrays()
            argv = ["--train", write(folder, "good.npz", npz_bytes(x=x, y=y))]
        else:
            argv = ["--data", write(folder, "series.csv", series_text()), "--target", "value"]
            argv += ["--window", "8", "--horizon", "2", "--model", "stacked_lstm"]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            module(recipe).main([str(a) for a in argv + TINY[recipe] + ["--out", folder / "run"]])
        _FINISHED[recipe] = folder / "run"
    return _FINISHED[recipe]


def predict_case(name, mentions, make, recipe="classify"):
    """`make(folder, run)` returns the argv after `--run RUN` (a copy of a
    finished `recipe` run that the case may damage)."""

    def build(d):
        import shutil

        run = Path(d) / "run"
        shutil.copytree(finished_run(recipe), run)
        return make(Path(d), run)

    add(f"predict ({recipe}): {name}", "predict", "predict", build, mentions)


def good_npz(d, features=1):
    x, y = good_arrays()
    return write(d, "new.npz", npz_bytes(x=np.repeat(x, features, axis=2), y=y))


predict_case(
    "--run missing",
    ("--run", "nothere"),
    lambda d, run: ["--run", "nothere", "--data", good_npz(d)],
)
predict_case(
    "--run without run.json",
    ("run.json",),
    lambda d, run: [(run / "run.json").unlink(), "--run", run, "--data", good_npz(d)][1:],
)
predict_case(
    "run.json not JSON",
    ("run.json",),
    lambda d, run: [
        (run / "run.json").write_text("{not json"),
        "--run",
        run,
        "--data",
        good_npz(d),
    ][1:],
)


def _edit_run(run, change):
    path = run / "run.json"
    content = json.loads(path.read_text())
    change(content)
    path.write_text(json.dumps(content))


predict_case(
    "run.json from a newer lstm-zoo",
    ("run.json", "version"),
    lambda d, run: [
        _edit_run(run, lambda c: c.update(version=99)),
        "--run",
        run,
        "--data",
        good_npz(d),
    ][1:],
)
predict_case(
    "run.json of an unknown task",
    ("run.json", "task"),
    lambda d, run: [
        _edit_run(run, lambda c: c.update(task="dreaming")),
        "--run",
        run,
        "--data",
        good_npz(d),
    ][1:],
)
predict_case(
    "data with more features than the model reads",
    ("new.npz", "features"),
    lambda d, run: ["--run", run, "--data", good_npz(d, features=3)],
)
predict_case(
    "--data missing", ("nothere.npz",), lambda d, run: ["--run", run, "--data", "nothere.npz"]
)
predict_case(
    "--data with a non-finite value",
    ("bad.npz",),
    lambda d, run: [
        "--run",
        run,
        "--data",
        write(d, "bad.npz", npz_bytes(x=np.full((4, STEPS, 1), np.inf), y=np.array(["a"] * 4))),
    ],
)
predict_case(
    "--forecast on a classification run",
    ("--forecast",),
    lambda d, run: ["--run", run, "--data", good_npz(d), "--forecast", "3"],
)
predict_case(
    "series without the run's target column",
    ("value",),
    lambda d, run: [
        "--run",
        run,
        "--data",
        write(d, "other.csv", series_text(header="date,price,other,fault")),
    ],
    recipe="forecast",
)
predict_case(
    "series shorter than the run's window",
    ("new.csv", "window|rows"),
    lambda d, run: [
        "--run",
        run,
        "--data",
        write(d, "new.csv", series_text(series_rows()[:5])),
    ],
    recipe="forecast",
)


def _global_scaler(mean, scale):
    """The classify run normalised per channel with a standard scaler of these numbers."""

    def change(c):
        scaler = {"kind": "standard", "mean": mean, "scale": scale}
        c["preparation"].update(normalize="global", scaler=scaler)

    return change


for name, mentions, change, recipe in (
    (
        "run.json scaler longer than the model's features",
        ("run.json", "preparation.scaler"),
        _global_scaler([0.0, 0.0], [1.0, 1.0]),
        "classify",
    ),
    (
        "run.json scale of 0",
        ("run.json", "preparation.scaler.scale"),
        _global_scaler([0.0], [0.0]),
        "classify",
    ),
    (
        "run.json negative scale",
        ("run.json", "scale"),
        _global_scaler([0.0], [-1.0]),
        "classify",
    ),
    (
        "run.json with a class the model lacks",
        ("run.json", "preparation.classes"),
        lambda c: c["preparation"]["classes"].append("zzz"),
        "classify",
    ),
    (
        "run.json with repeated classes",
        ("run.json", "preparation.classes"),
        lambda c: c["preparation"].update(classes=["a", "a"]),
        "classify",
    ),
    (
        "run.json feature count not the model's",
        ("run.json", "input.features"),
        lambda c: c["input"].update(features=5),
        "classify",
    ),
):
    predict_case(
        name,
        mentions,
        lambda d, run, change=change, recipe=recipe: [
            _edit_run(run, change),
            "--run",
            run,
            "--data",
            good_npz(d) if recipe == "classify" else write(d, "new.csv", series_text()),
        ][1:],
        recipe=recipe,
    )
predict_case(
    "--out is the --run folder",
    ("--out", "the --run folder"),
    lambda d, run: ["--run", run, "--data", good_npz(d), "--out", run],
)
predict_case(
    "--out is another run's folder",
    ("--out", "run.json"),
    lambda d, run: [
        shutil.copytree(run, d / "other"),
        "--run",
        run,
        "--data",
        good_npz(d),
        "--out",
        d / "other",
    ][1:],
)
predict_case(
    "--out is an interrupted run's folder",
    ("--out", ".train"),
    lambda d, run: [
        (d / "cut" / ".train").mkdir(parents=True),
        "--run",
        run,
        "--data",
        good_npz(d),
        "--out",
        d / "cut",
    ][1:],
)
ts_case(
    "dimensions of one case differ in length, @equalLength false",
    ("bad.ts", "line 6", "ragged case"),
    lambda: ts_text(
        header="@problemName D\n@equalLength false\n@classLabel true a b\n@data\n",
        lines=["1,2,3:4,5,6:a", "1,2,3:4,5:b", "1,2:3,4:a", "1,2,3,4:5,6,7,8:b"],
    ),
)


# === Running ===

_MODULES = {}


def module(recipe):
    if recipe not in _MODULES:
        import importlib

        _MODULES[recipe] = importlib.import_module(f"recipes.{recipe}")
    return _MODULES[recipe]


class _Watch:
    """Records whether `recipes._training.train` was entered (training started)."""

    def __init__(self):
        from recipes import _training

        self.started = False
        self._original = _training.train
        watch = self

        def train(*args, **kwargs):
            watch.started = True
            return watch._original(*args, **kwargs)

        _training.train = train


def run_case(item, folder, watch):
    """Runs one case; returns its record."""
    from recipes import _cli

    folder.mkdir(parents=True, exist_ok=True)
    argv = [str(a) for a in item.build(folder)]
    if "__TEST__" in argv:  # a --test file of 3 dimensions beside the --train file
        argv[argv.index("__TEST__")] = str(
            write(
                folder, "test.npz", npz_bytes(x=np.zeros((6, STEPS, 3)), y=np.array(["a", "b"] * 3))
            )
        )
    if "--out" not in argv:
        argv += ["--out", str(folder / "out")]
    if item.tiny:  # first, so that a case's own --units or --max-steps wins
        argv = TINY[item.recipe] + argv
    main = module(item.recipe).main
    raised = {}

    def call():
        try:
            main(argv)
        except BaseException as error:
            raised["error"] = error
            raise

    watch.started = False
    stdout, stderr = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(folder)  # relative paths of a case ("nothere.npz") resolve in its folder
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                _cli.run(call)
                status = 0
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(cwd)
    seconds = time.perf_counter() - start
    out, err = stdout.getvalue(), stderr.getvalue()
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(NOISE)]
    started = watch.started or "Epoch 1/" in out
    error = raised.get("error")
    record = {
        "name": item.name,
        "group": item.group,
        "recipe": item.recipe,
        "argv": [a.replace(str(folder) + os.sep, "") for a in argv],
        "control": item.control,
        "status": status,
        "first_line": _short(lines[0] if lines else "", 300),
        "stderr_lines": len(lines),
        "message_chars": len(lines[0]) if lines else 0,
        "trained": started,
        "traceback": "Traceback" in err,
        "exception": type(error).__name__ if error is not None else None,
        "seconds": round(seconds, 2),
    }
    record["outcome"], record["why"] = classify_outcome(item, record, lines, error)
    if record["outcome"] == "CRASH":
        record["traceback_tail"] = _short(" | ".join(err.strip().splitlines()[-3:]), 600)
    try:
        import keras

        keras.backend.clear_session()
    except Exception:  # noqa: BLE001 - best effort between cases
        pass
    return record


def classify_outcome(item, record, lines, error):
    """(outcome, reason) for one case."""
    status = record["status"]
    if item.control:
        return ("OK", "trained") if status == 0 else ("REJECTED-GOOD", record["first_line"])
    if status == 0:
        return "TRAINED-ON-BAD", "exit 0"
    if status != 2:
        return "CRASH", f"exit {status}, {record['exception']}"
    if record["trained"]:
        return "LATE", "exit 2 after training started"
    message = lines[0] if lines else ""
    from zoo._errors import InputError

    ours = isinstance(error, (InputError, SystemExit))
    raw = [marker for marker in RAW_LIBRARY if marker in message]
    if raw:
        return "INTERNAL-AS-USER", f"a library's message ({raw[0]!r})"
    if not ours:
        named = any(m.split("|")[0] in message for m in item.mentions)
        if not named:
            return "INTERNAL-AS-USER", f"{type(error).__name__} printed as a user error"
    if len(lines) != 1:
        return "VAGUE", f"{len(lines)} lines on stderr"
    if len(message) > 400:
        return "VAGUE", f"a message of {len(message)} characters"
    missing = [m for m in item.mentions if not any(alt in message for alt in m.split("|"))]
    if missing:
        return "VAGUE", f"does not name {' / '.join(missing)}"
    return "OK", ""


def _short(text, limit):
    return text if len(text) <= limit else text[: limit - 3] + "..."


def markdown(records):
    counts = {o: sum(r["outcome"] == o for r in records) for o in OUTCOMES}
    lines = [
        "# Malformed inputs through the recipes",
        "",
        f"{len(records)} cases ({sum(r['control'] for r in records)} controls that must "
        f"train); backend {records[0]['backend'] if records else '?'}.",
        "",
        "| outcome | cases |",
        "|---|---|",
        *[f"| {o} | {n} |" for o, n in counts.items()],
        "",
        "| # | case | recipe | exit | trained | outcome | first stderr line / why |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(records, 1):
        detail = r["first_line"] if r["outcome"] == "OK" else f"**{r['why']}**: {r['first_line']}"
        if r["outcome"] == "CRASH":
            detail += f" ({r.get('traceback_tail', '')})"
        detail = detail.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {i} | {r['name'].replace('|', '/')} | {r['recipe']} | {r['status']} | "
            f"{'yes' if r['trained'] else 'no'} | {r['outcome']} | {detail} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m tests.input_catalogue", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out", type=Path, default=Path("runs") / "malformed_inputs")
    p.add_argument("--only", help="run the cases whose name contains this text")
    p.add_argument("--recipe", help="run the cases of this recipe only")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    args = p.parse_args(argv)
    selected = [
        c
        for c in CASES
        if (args.only is None or args.only in c.name)
        and (args.recipe is None or c.recipe == args.recipe)
    ]
    if args.list:
        for c in selected:
            print(f"{c.recipe:10} {c.name}")
        print(f"{len(selected)} cases")
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / "cases"
    watch = _Watch()
    records = []
    for i, item in enumerate(selected):
        try:
            record = run_case(item, work / f"{i:03d}", watch)
        except Exception:  # noqa: BLE001 - a case that cannot be built is a bug here
            traceback.print_exc()
            record = {
                "name": item.name,
                "group": item.group,
                "recipe": item.recipe,
                "argv": [],
                "control": item.control,
                "status": None,
                "first_line": "",
                "stderr_lines": 0,
                "message_chars": 0,
                "trained": False,
                "traceback": True,
                "exception": None,
                "seconds": 0,
                "outcome": "CRASH",
                "why": "the case itself failed",
            }
        record["backend"] = keras.backend.backend()
        records.append(record)
        mark = "" if record["outcome"] == "OK" else f"  <- {record['why']}"
        print(
            f"[{i + 1:3d}/{len(selected)}] {record['outcome']:16} {item.recipe:10} "
            f"{item.name}{mark}",
            flush=True,
        )
    (args.out / "malformed_inputs.md").write_text(markdown(records))
    (args.out / "malformed_inputs.json").write_text(json.dumps(records, indent=1) + "\n")
    counts = {o: sum(r["outcome"] == o for r in records) for o in OUTCOMES}
    print(f"\n{len(records)} cases: " + ", ".join(f"{o} {n}" for o, n in counts.items() if n))
    print(f"Wrote {args.out / 'malformed_inputs.md'}")
    return 0 if counts["OK"] == len(records) else 1


if __name__ == "__main__":
    sys.exit(main())
