"""Loaders for .ts, .csv and .npz files written here, and sequence preparation."""

import io
import re

import numpy as np
import pytest

from zoo import data
from zoo._errors import InputError

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once

UNIVARIATE_TS = """# a comment
@problemName Tiny
@timeStamps false
@missing true
@univariate true
@equalLength true
@seriesLength 4
@classLabel true up down
@data
1,2,3,4:up
4,3,?,1:down
0.5,1.5,2.5,3.5:up
"""

MULTIVARIATE_UNEQUAL_TS = """@problemName Multi
@univariate false
@dimensions 2
@equalLength false
@classLabel true 1 2 3
@data
1,2,3:10,20,30:1
4,5:40,50:2
6,7,8,9:60,70,80,90:3
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ts_univariate_with_missing_values(tmp_path):
    x, y = data.load_ts(write(tmp_path, "a.ts", UNIVARIATE_TS))
    assert x.dtype == np.float32 and x.shape == (3, 4, 1)
    np.testing.assert_array_equal(x[0, :, 0], [1, 2, 3, 4])
    assert np.isnan(x[1, 2, 0]) and x[1, 3, 0] == 1
    assert y.tolist() == ["up", "down", "up"]


def test_ts_multivariate_unequal_length_is_padded(tmp_path):
    x, y = data.load_ts(write(tmp_path, "m.ts", MULTIVARIATE_UNEQUAL_TS))
    assert x.shape == (3, 4, 2)
    np.testing.assert_array_equal(x[0, :3], [[1, 10], [2, 20], [3, 30]])
    assert np.isnan(x[0, 3]).all() and np.isnan(x[1, 2:]).all()
    assert data.lengths(x).tolist() == [3, 2, 4]
    assert y.tolist() == [1, 2, 3] and y.dtype.kind == "i"


@pytest.mark.parametrize("equal_length", ["false", "true", None])
def test_ts_case_whose_dimensions_differ_in_length_is_an_error(tmp_path, equal_length):
    """aeon refuses such a case; padding the short dimension would change the data unsaid."""
    text = MULTIVARIATE_UNEQUAL_TS.replace("4,5:40,50:2", "4,5:40:2")
    if equal_length is None:
        text = text.replace("@equalLength false\n", "")
    else:
        text = text.replace("@equalLength false", f"@equalLength {equal_length}")
    line = text.splitlines().index("4,5:40:2") + 1
    with pytest.raises(InputError, match=rf"m\.ts, line {line}: ragged case: .*\[2, 1\]"):
        data.load_ts(write(tmp_path, "m.ts", text))


def test_ts_regression_targets(tmp_path):
    text = "@problemName R\n@univariate true\n@targetLabel true\n@data\n1,2,3:0.5\n3,2,1:-1.25\n"
    x, y = data.load_ts(write(tmp_path, "r.ts", text))
    assert x.shape == (2, 3, 1)
    np.testing.assert_allclose(y, [0.5, -1.25])


@pytest.mark.parametrize(
    "text, message",
    [
        (UNIVARIATE_TS.replace("4,3,?,1:down", "4,3,1:down"), r"bad\.ts, line 11: ragged row"),
        (
            UNIVARIATE_TS.replace("0.5,1.5,2.5,3.5:up", "0.5,1.5,2.5,3.5:left"),
            r"bad\.ts, line 12: label 'left' is not declared in @classLabel",
        ),
        (
            UNIVARIATE_TS.replace("1,2,3,4:up", "1,2,x,4:up"),
            r"bad\.ts, line 10: non-numeric value 'x'",
        ),
        ("", r"bad\.ts: no data"),
        ("@problemName E\n@classLabel true a\n@data\n", r"bad\.ts: no data"),
        (
            MULTIVARIATE_UNEQUAL_TS.replace("4,5:40,50:2", "4,5:2"),
            r"bad\.ts, line 8: 1 dimensions, but @dimensions says 2",
        ),
        ("@classLabel true a b\n1,2:a\n", r"bad\.ts, line 2: expected a header line"),
        ("@timeStamps true\n@classLabel true a\n@data\n(0,1):a\n", r"timeStamps true"),
    ],
)
def test_ts_bad_files_name_file_and_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        data.load_ts(write(tmp_path, "bad.ts", text))


def test_train_and_test_with_different_dimensions(tmp_path):
    x_train, _ = data.load_ts(write(tmp_path, "train.ts", MULTIVARIATE_UNEQUAL_TS))
    x_test, _ = data.load_ts(write(tmp_path, "test.ts", UNIVARIATE_TS))
    with pytest.raises(InputError, match=r"test\.ts: 1 dimensions, but .*train\.ts has 2"):
        data.check_compatible(tmp_path / "train.ts", x_train, tmp_path / "test.ts", x_test)


def test_csv_with_header_named_label_and_short_rows(tmp_path):
    path = write(tmp_path, "s.csv", "t0,t1,t2,kind\n1,2,3,cat\n4,,6,dog\n7,8,,cat\n")
    x, y = data.load_csv(path, label_column="kind")
    assert x.shape == (3, 3, 1)
    np.testing.assert_array_equal(x[0, :, 0], [1, 2, 3])
    assert np.isnan(x[1, 1, 0]) and np.isnan(x[2, 2, 0])  # missing, then padding
    assert data.lengths(x).tolist() == [3, 3, 2]
    assert y.tolist() == ["cat", "dog", "cat"]


def test_csv_without_header_label_first(tmp_path):
    x, y = data.load_csv(write(tmp_path, "u.csv", "1,0.1,0.2\n2,0.3,0.4\n"))
    assert y.tolist() == [1, 2]
    np.testing.assert_allclose(x[:, :, 0], [[0.1, 0.2], [0.3, 0.4]])


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("", {}, r"bad\.csv: the file is empty"),
        ("a,b\n1,x\n2,3\n", {}, r"bad\.csv, line 2: non-numeric value 'x' in column b"),
        ("label,t0\n", {}, r"bad\.csv: no data rows"),
        ("label,t0\nA,1\n", {"label_column": "kind"}, r"no label column 'kind'"),
    ],
)
def test_csv_bad_files(tmp_path, text, kwargs, message):
    with pytest.raises(InputError, match=message):
        data.load_csv(write(tmp_path, "bad.csv", text), **kwargs)


def test_npz_round_trip_and_errors(tmp_path):
    x = np.arange(24, dtype="float64").reshape(4, 6)
    np.savez(tmp_path / "d.npz", x=x, y=np.array(["a", "b", "a", "b"]))
    loaded_x, loaded_y = data.load(tmp_path / "d.npz")
    assert loaded_x.shape == (4, 6, 1) and loaded_x.dtype == np.float32
    np.testing.assert_array_equal(loaded_x[..., 0], x)
    assert loaded_y.tolist() == ["a", "b", "a", "b"]
    np.savez(tmp_path / "nolabels.npz", x=x)
    with pytest.raises(InputError, match=r"nolabels\.npz: expected arrays 'x' and 'y'"):
        data.load(tmp_path / "nolabels.npz")
    np.savez(tmp_path / "short.npz", x=x, y=np.zeros(3))
    with pytest.raises(InputError, match=r"short\.npz: 'x' has 4 samples but 'y' has 3"):
        data.load(tmp_path / "short.npz")


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.ts: no such file"):
        data.load(tmp_path / "nothere.ts")
    with pytest.raises(InputError, match=r"unknown file type '\.txt'"):
        data.load(write(tmp_path, "x.txt", "1"))


def test_prepare_fills_normalises_and_masks():
    x = np.array([[[1.0], [np.nan], [3.0], [5.0]], [[2.0], [4.0], [np.nan], [np.nan]]])
    prepared, padded = data.prepare(x, normalize=None)
    assert padded
    np.testing.assert_allclose(prepared[0, :, 0], [1, 2, 3, 5])  # interpolated
    np.testing.assert_allclose(prepared[1, :2, 0], [2, 4])
    assert (prepared[1, 2:] == data.MASK_VALUE).all()
    normalised, _ = data.prepare(x)
    np.testing.assert_allclose(normalised[1, :2, 0], [-1, 1], atol=1e-6)
    valid = normalised[0, :, 0]
    assert abs(valid.mean()) < 1e-6 and abs(valid.std() - 1) < 1e-6


def test_prepare_series_versus_channel_normalisation():
    x = np.stack([np.arange(4.0), 100 * np.arange(4.0)], axis=-1)[None]
    by_channel, _ = data.prepare(x, normalize="channel")
    np.testing.assert_allclose(by_channel[0, :, 0], by_channel[0, :, 1], atol=1e-6)
    by_series, _ = data.prepare(x, normalize="series")
    values = by_series[0]
    assert abs(values.mean()) < 1e-6 and abs(values.std() - 1) < 1e-5
    assert np.ptp(values[:, 1]) > 50 * np.ptp(values[:, 0])  # relative scale kept
    with pytest.raises(InputError, match=r"Received: normalize='rows'"):
        data.prepare(x, normalize="rows")


def test_bundled_digits_read_rows_as_time_steps():
    from sklearn.datasets import load_digits

    x, y = data.load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(x[5] * 16, load_digits().images[5])
    assert sorted(set(y.tolist())) == list(range(10))


# === Readers that never guess silently ===


def fails(call, message):
    """`call()` raises exactly `InputError` matching `message`; returns the message."""
    with pytest.raises(InputError, match=message) as caught:
        call()
    assert type(caught.value) is InputError
    return str(caught.value)


BOM = "\ufeff"


@pytest.mark.parametrize(
    "name, text, loader",
    [
        ("a.ts", UNIVARIATE_TS, data.load_ts),
        ("h.csv", "kind,t0,t1,t2\ncat,1,2,3\ndog,4,5,6\n", data.load),
        ("n.csv", "cat,1,2,3\ndog,4,5,6\n", data.load),
    ],
)
def test_byte_order_mark_is_accepted(tmp_path, name, text, loader):
    plain = loader(write(tmp_path, name, text))
    path = tmp_path / f"bom_{name}"
    path.write_bytes((BOM + text).encode("utf-8"))
    with_bom = loader(path)
    np.testing.assert_array_equal(with_bom[0], plain[0])
    assert with_bom[1].tolist() == plain[1].tolist()


def test_byte_order_mark_in_a_series_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes((BOM + "date,a\n2020,1\n2021,2\n").encode("utf-8"))
    table = data.read_series_csv(path, date_column="date")  # not '\ufeffdate'
    assert table.names == ["a"] and table.dates.tolist() == ["2020", "2021"]


@pytest.mark.parametrize("suffix", [".ts", ".csv"])
def test_latin1_file_names_the_byte_offset(tmp_path, suffix):
    text = UNIVARIATE_TS if suffix == ".ts" else "t0,t1,kind\n1,2,caf\xe9\n"
    raw = text.replace("Tiny", "Tin\xe9").encode("latin-1")
    path = tmp_path / f"latin{suffix}"
    path.write_bytes(raw)
    offset = raw.index(b"\xe9")
    line = raw[:offset].count(b"\n") + 1
    fails(
        lambda: data.load(path),
        rf"latin\{suffix}, line {line}: not UTF-8 text: byte 0xe9 at byte offset {offset}",
    )


def test_latin1_series_csv_names_the_byte_offset(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\n")
    fails(
        lambda: data.read_series_csv(path),
        r"s\.csv, line 3: not UTF-8 text: byte 0xff at byte offset 10",
    )


@pytest.mark.parametrize(
    "first_row",
    ["a,?,NA,3", "a,,nan,3", "a,1,2,NaN", "a,NULL,?,5"],
)
def test_first_data_row_with_missing_values_is_not_a_header(tmp_path, first_row):
    x, y = data.load_csv(write(tmp_path, "d.csv", f"{first_row}\nb,4,5,6\n"))
    assert y.tolist() == ["a", "b"] and x.shape[0] == 2


def test_header_rule_and_explicit_header(tmp_path):
    path = write(tmp_path, "d.csv", "kind,t0,t1\ncat,1,2\ndog,3,4\n")
    assert data.load_csv(path)[1].tolist() == ["cat", "dog"]  # 't0' is text: a header
    numeric_names = write(tmp_path, "n.csv", "kind,0,1\ncat,1,2\ndog,3,4\n")
    assert data.load_csv(numeric_names)[1].tolist() == ["kind", "cat", "dog"]  # by the rule
    assert data.load_csv(numeric_names, header=True)[1].tolist() == ["cat", "dog"]
    assert data.load_csv(numeric_names, label_column="kind")[1].tolist() == ["cat", "dog"]
    fails(lambda: data.load_csv(path, header=False), r"d\.csv, line 1: non-numeric value 't0'")
    fails(lambda: data.load_csv(path, header="yes"), r"Received: header='yes'")
    mixed = write(tmp_path, "m.csv", "a,1,x\nb,2,3\n")  # a bad data row, or a header?
    fails(lambda: data.load_csv(mixed), r"m\.csv, line 1: the first row holds both text \('x'\)")
    assert data.load_csv(mixed, header=True)[1].tolist() == ["b"]
    trailing = write(tmp_path, "t.csv", "kind,t0,t1,\ncat,1,2,\n")  # an empty name is no number
    assert data.load_csv(trailing)[1].tolist() == ["cat"]


def test_missing_label_names_the_line(tmp_path):
    path = write(tmp_path, "l.csv", "a,1,2\n,3,4\n")
    fails(lambda: data.load_csv(path), r"l\.csv, line 2: the label \(column 0\) is missing")


def test_label_column_only_for_csv(tmp_path):
    path = write(tmp_path, "a.ts", UNIVARIATE_TS)
    fails(lambda: data.load(path, label_column=0), r"a\.ts: label_column= applies to \.csv")


def test_huge_csv_field_is_read_or_named(tmp_path):
    import csv

    limit = csv.field_size_limit()
    label = "x" * 300_000  # beyond the csv module's default limit of 131072
    x, y = data.load_csv(write(tmp_path, "big.csv", f"{label},1,2\nb,3,4\n"))
    assert y.tolist() == [label, "b"] and csv.field_size_limit() == limit
    fails(
        lambda: data.load_csv(write(tmp_path, "huge.csv", f"a,{'9' * 400},2\n")),
        r"huge\.csv, line 1, column 1: inf is not a finite float32 number",
    )


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("badq.csv", 'a,1,2\nb,"3,4\n', r"badq\.csv, line 2: non-numeric value '3,4'"),
        ("nul.csv", "a,1,2\nb,3\x00,4\n", r"nul\.csv, line 2: non-numeric value '3\\x00'"),
    ],
)
def test_malformed_csv_names_the_line(tmp_path, name, text, message):
    fails(lambda: data.load_csv(write(tmp_path, name, text)), message)


# === Labels as declared strings ===


def test_ts_labels_1_and_01_stay_two_classes(tmp_path):
    text = "@problemName L\n@univariate true\n@classLabel true 1 01\n@data\n1,2:1\n3,4:01\n5,6:1\n"
    _, y = data.load_ts(write(tmp_path, "l.ts", text))
    assert y.tolist() == ["1", "01", "1"] and len(set(y.tolist())) == 2


@pytest.mark.parametrize(
    "labels, expected",
    [
        (["1", "2", "10"], [1, 2, 10]),
        (["-1", "0"], [-1, 0]),
        (["01", "1"], ["01", "1"]),
        (["+1", "2"], ["+1", "2"]),
        (["1_0", "2"], ["1_0", "2"]),
        (["1.0", "2"], ["1.0", "2"]),
    ],
)
def test_csv_labels_become_ints_only_when_nothing_changes(tmp_path, labels, expected):
    text = "".join(f"{label},1,2\n" for label in labels)
    _, y = data.load_csv(write(tmp_path, "l.csv", text))
    assert y.tolist() == expected


def test_undeclared_label_message_prints_plain_strings(tmp_path):
    text = "@classLabel true 1 01\n@data\n1,2:c\n"
    message = fails(
        lambda: data.load_ts(write(tmp_path, "u.ts", text)),
        r"u\.ts, line 3: label 'c' is not declared in @classLabel \['1', '01'\]",
    )
    assert "np.str_" not in message


# === Finite values ===


@pytest.mark.parametrize(
    "line, message",
    [
        ("1,2,inf,4:up", r"line 10, dimension 0, value 2: inf is not a finite float32 number"),
        ("1,-Infinity,3,4:up", r"line 10, dimension 0, value 1: -inf is not .*; 1 such"),
        ("1e39,2,3,4:up", r"line 10, dimension 0, value 0: 1e\+39 is not a finite"),
        ("?,?,?,?:up", r"line 10: series 0 has no observed value"),
    ],
)
def test_ts_non_finite_values_name_line_and_position(tmp_path, line, message):
    path = write(tmp_path, "f.ts", UNIVARIATE_TS.replace("1,2,3,4:up", line))
    fails(lambda: data.load_ts(path), r"f\.ts, " + message)


def test_ts_counts_every_non_finite_value(tmp_path):
    text = UNIVARIATE_TS.replace("1,2,3,4:up", "1,inf,3,4:up").replace("4,3,?,1", "4,-inf,?,1e40")
    fails(lambda: data.load_ts(write(tmp_path, "c.ts", text)), r"line 10, .*; 3 such value")


@pytest.mark.parametrize(
    "target, message",
    [
        ("inf", r"line 5: regression target inf is not a finite float32 number"),
        ("1e39", r"line 5: regression target 1e\+39 is not"),
        ("?", r"line 5: regression target nan is not"),
        ("NaN", r"line 5: regression target"),
    ],
)
def test_ts_regression_targets_must_be_finite(tmp_path, target, message):
    text = f"@problemName R\n@univariate true\n@targetLabel true\n@data\n1,2,3:{target}\n3,2,1:1\n"
    fails(lambda: data.load_ts(write(tmp_path, "t.ts", text)), r"t\.ts, " + message)


@pytest.mark.parametrize(
    "row, message",
    [
        ("b,1,inf,3", r"line 3, column t1: inf is not a finite float32 number"),
        ("b,1e39,2,3", r"line 3, column t0: 1e\+39 is not"),
        ("b,?,NA,", r"line 3: series 1 has no observed value"),
    ],
)
def test_csv_non_finite_values_name_line_and_column(tmp_path, row, message):
    path = write(tmp_path, "f.csv", f"kind,t0,t1,t2\na,1,2,3\n{row}\n")
    fails(lambda: data.load_csv(path), r"f\.csv, " + message)


def test_csv_label_column_in_the_middle_keeps_column_numbers(tmp_path):
    path = write(tmp_path, "m.csv", "1,a,2\n3,b,inf\n")
    fails(lambda: data.load_csv(path, label_column=1), r"m\.csv, line 2, column 2: ")


@pytest.mark.parametrize(
    "value, message",
    [
        ("inf", r"f\.csv, line 3, column 'a': inf is not a finite float32 number"),
        ("-1e39", r"f\.csv, line 3, column 'a': -1e\+39 is not"),
    ],
)
def test_series_csv_non_finite_values_name_line_and_column(tmp_path, value, message):
    path = write(tmp_path, "f.csv", f"t,a\n0,1\n1,{value}\n")
    fails(lambda: data.read_series_csv(path), message)


def test_check_finite_directly():
    x = np.zeros((2, 3, 1))
    assert data.check_finite(x) is x
    x[1, 2, 0] = np.inf
    fails(lambda: data.check_finite(x, path="p.npz"), r"p\.npz, 'x' index \(1, 2, 0\): inf is not")
    fails(
        lambda: data.check_finite(x, where=lambda i: f"row {i[0]}"),
        r"^row 1: inf is not a finite float32 number; 1 such value\(s\) in all$",
    )
    empty = np.full((2, 3, 1), np.nan)
    empty[0, 0, 0] = 1
    fails(lambda: data.check_finite(empty), r"^'x' index \(1\): series 1 has no observed")
    data.check_finite(empty, require_observed=False)
    fails(
        lambda: data.check_finite_targets([1.0, np.nan]), r"^'y' index \(1\): regression target nan"
    )


# === .npz failure modes ===


def npz(tmp_path, name, **arrays):
    path = tmp_path / name
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


X = np.arange(24, dtype="float64").reshape(4, 6)
Y = np.array(["a", "b", "a", "b"])


def test_npz_damaged_files_name_the_file(tmp_path):
    good = npz(tmp_path, "good.npz", x=X, y=Y).read_bytes()
    cases = {
        "empty.npz": b"",
        "truncated.npz": good[: len(good) // 2],
        "tail.npz": good[:-10],
        "text.npz": b"x,y\n1,2\n",
    }
    at = good.index(b"\x93NUMPY") + 200  # inside x's data
    cases["crc.npz"] = good[:at] + bytes([good[at] ^ 0xFF]) + good[at + 1 :]
    buffer = io.BytesIO()
    np.save(buffer, X)
    cases["npy.npz"] = buffer.getvalue()
    for name, raw in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        fails(lambda path=path: data.load(path), re.escape(name) + ": ")


def test_npz_crc_damage_is_reported(tmp_path):
    good = npz(tmp_path, "g.npz", x=X, y=Y).read_bytes()
    at = good.index(b"\x93NUMPY") + 200
    path = tmp_path / "crc.npz"
    path.write_bytes(good[:at] + bytes([good[at] ^ 0x01]) + good[at + 1 :])
    fails(lambda: data.load(path), r"crc\.npz: array 'x' is damaged \(BadZipFile: Bad CRC-32")


def test_npz_pickled_object_arrays_are_refused(tmp_path):
    path = npz(tmp_path, "obj.npz", x=X, y=np.array([{"a": 1}, 2, 3, 4], dtype=object))
    fails(lambda: data.load(path), r"obj\.npz: array 'y' holds Python objects \(a pickled")


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"x": X, "y": np.array(1)}, r"'y' is a single value \(shape \(\)\)"),
        ({"x": X, "y": np.zeros(5)}, r"'x' has 4 samples but 'y' has 5"),
        ({"x": Y.reshape(4, 1), "y": Y}, r"'x' is not numeric \(dtype <U1\)"),
        ({"x": X + 1j, "y": Y}, r"'x' is not numeric \(dtype complex128\)"),
        ({"x": X[0], "y": Y}, r"'x' must have 2 or 3 dimensions"),
        ({"x": X[:, :0], "y": Y}, r"'x' is empty: shape \(4, 0, 1\)"),
        ({"x": X, "y": np.zeros(4, "complex64")}, r"'y' must hold numbers or strings"),
        ({"x": np.where(X == 7, np.inf, X), "y": Y}, r"'x' index \(1, 1, 0\): inf is not"),
        ({"x": np.where(X == 7, 1e39, X), "y": Y}, r"'x' index \(1, 1, 0\): 1e\+39 is not"),
        (
            {"x": np.where(X >= 6, np.nan, X), "y": Y},
            r"'x' index \(1\): series 1 has no observed value .*; 3 such series",
        ),
        ({"x": X, "y": np.array([0.5, np.nan, 1, 2])}, r"'y' index \(1\): regression target nan"),
        ({"x": X, "y": np.array([0.5, 1, np.inf, 2])}, r"'y' index \(2\): regression target inf"),
    ],
)
def test_npz_bad_arrays_name_the_file(tmp_path, arrays, message):
    path = npz(tmp_path, "bad.npz", **arrays)
    fails(lambda: data.load(path), r"bad\.npz(, |: )" + message)


def test_npz_nan_is_missing_and_bytes_labels_decode(tmp_path):
    x = X.copy()
    x[0, 2] = np.nan
    loaded, y = data.load(npz(tmp_path, "ok.npz", x=x, y=Y.astype("S")))
    assert np.isnan(loaded[0, 2, 0]) and y.tolist() == Y.tolist()
    compressed = tmp_path / "c.npz"
    np.savez_compressed(compressed, x=X.astype("int16"), y=np.arange(4))
    loaded, y = data.load(compressed)
    assert loaded.dtype == np.float32 and y.tolist() == [0, 1, 2, 3]


# === Argument names, not flags ===


def test_series_csv_messages_name_arguments(tmp_path):
    path = write(tmp_path, "s.csv", "t,v\n0,1\n1,\n")
    message = fails(lambda: data.read_series_csv(path), r"pass fill='forward' or fill=")
    assert "--" not in message
    message = fails(
        lambda: data.read_series_csv(path, date_column="when"), r"date_column='when' is not"
    )
    assert "--" not in message
    fails(lambda: data.read_series_csv(path, fill="back"), r"Received: fill='back'")


def test_series_csv_duplicate_column_names(tmp_path):
    path = write(tmp_path, "d.csv", "a,b,a\n1,2,3\n")
    fails(lambda: data.read_series_csv(path), r"d\.csv, line 1: column name 'a' appears twice")


# === Found by benchmarks/malformed_inputs.py ===


@pytest.mark.parametrize("label", ["NA", "nan", "null", " ? "])
def test_csv_label_that_marks_a_missing_value_names_the_line(tmp_path, label):
    path = write(tmp_path, "m.csv", f"0,1,2\n1,3,4\n{label},5,6\n")
    fails(lambda: data.load_csv(path), r"m\.csv, line 3: the label \(column 0\) is missing")


@pytest.mark.parametrize("label", ["inf", "-inf", "1e999", "Infinity", "1e39"])
def test_csv_numeric_labels_must_be_finite(tmp_path, label):
    path = write(tmp_path, "n.csv", f"0,1,2\n1,3,4\n{label},5,6\n0,7,8\n")
    fails(
        lambda: data.load_csv(path),
        r"n\.csv, line 3 \(column 0\): label '.*' is not a finite float32 number.*1 such",
    )


def test_csv_word_labels_may_read_as_numbers(tmp_path):
    path = write(tmp_path, "w.csv", "cold,1,2\ninf,3,4\n")  # not all numbers: class names
    assert data.load_csv(path)[1].tolist() == ["cold", "inf"]


def test_huge_cells_are_cut_in_messages(tmp_path):
    path = write(tmp_path, "t.csv", f"a,1,2\nb,{'x' * 200_000},3\n")
    message = fails(lambda: data.load_csv(path), r"t\.csv, line 2: non-numeric value 'xxx")
    assert len(message) < 300 and "200,000 characters" in message
    ts = write(tmp_path, "t.ts", f"@classLabel true a b\n@data\n1,2:{'c' * 100_000}\n")
    assert len(fails(lambda: data.load_ts(ts), r"t\.ts, line 3: label 'ccc")) < 300
    series = write(tmp_path, "s.csv", f"a,b\n1,{'y' * 100_000}\n")
    table = data.read_series_csv(series)
    message = fails(lambda: table.columns(["b"], "--target"), r"s\.csv, line 2: 'yyy")
    assert len(message) < 300


def test_unclosed_quote_is_named(tmp_path):
    path = write(tmp_path, "q.csv", 'a,1,2\nb,"3,4\nc,5,6\nd,7,8\n')
    fails(lambda: data.load_csv(path), r"q\.csv, line 2: .*is a quote mark left unclosed\?")


def test_float16_inf_is_an_error_without_a_warning(tmp_path):
    import warnings

    path = npz(tmp_path, "h.npz", x=np.where(X == 7, np.inf, X).astype("float16"), y=Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fails(lambda: data.load(path), r"h\.npz, 'x' index \(1, 1, 0\): inf is not")


@pytest.mark.parametrize(
    "y, message",
    [
        (np.zeros((4, 2)), r"'y' must hold one label per sample \(shape \(samples,\)\), got shape"),
        (np.array(["a", "", "b", "a"]), r"'y' index \(1\): the label is missing \(''\)"),
        (np.array(["a", "b", "nan", "a"]), r"'y' index \(2\): the label is missing \('nan'\)"),
        (np.array(["1", "0", "inf", "1"]), r"'y' index \(2\): label 'inf' is not a finite"),
    ],
)
def test_npz_labels_are_one_finite_label_per_sample(tmp_path, y, message):
    fails(lambda: data.load(npz(tmp_path, "y.npz", x=X, y=y)), r"y\.npz(, |: )" + message)


def test_npz_column_of_labels_is_read_as_one_label_per_sample(tmp_path):
    _, y = data.load(npz(tmp_path, "c.npz", x=X, y=Y[:, None]))
    assert y.shape == (4,) and y.tolist() == Y.tolist()


def test_a_folder_is_not_a_file(tmp_path):
    fails(lambda: data.load(tmp_path), r"a folder, not a file")


def test_nul_in_a_label_is_an_error_not_a_merged_class(tmp_path):
    # NumPy's strings drop trailing NULs: "a\x00" would silently join class "a"
    path = write(tmp_path, "z.csv", "a,1,2\na\x00,3,4\nb,5,6\n")
    fails(lambda: data.load_csv(path), r"z\.csv, line 2 \(column 0\): label 'a\\x00' holds a NUL")
    ts = write(tmp_path, "z.ts", "@classLabel true a a\x00\n@data\n1,2:a\n3,4:a\x00\n")
    fails(lambda: data.load_ts(ts), r"z\.ts, line 1: @classLabel: a label holds a NUL")
