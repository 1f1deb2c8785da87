"""Loaders for .ts, .csv and .npz files written here, and sequence preparation."""

import numpy as np
import pytest

from zoo import data

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
    with pytest.raises(ValueError, match=message):
        data.load_ts(write(tmp_path, "bad.ts", text))


def test_train_and_test_with_different_dimensions(tmp_path):
    x_train, _ = data.load_ts(write(tmp_path, "train.ts", MULTIVARIATE_UNEQUAL_TS))
    x_test, _ = data.load_ts(write(tmp_path, "test.ts", UNIVARIATE_TS))
    with pytest.raises(ValueError, match=r"test\.ts: 1 dimensions, but .*train\.ts has 2"):
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
    with pytest.raises(ValueError, match=message):
        data.load_csv(write(tmp_path, "bad.csv", text), **kwargs)


def test_npz_round_trip_and_errors(tmp_path):
    x = np.arange(24, dtype="float64").reshape(4, 6)
    np.savez(tmp_path / "d.npz", x=x, y=np.array(["a", "b", "a", "b"]))
    loaded_x, loaded_y = data.load(tmp_path / "d.npz")
    assert loaded_x.shape == (4, 6, 1) and loaded_x.dtype == np.float32
    np.testing.assert_array_equal(loaded_x[..., 0], x)
    assert loaded_y.tolist() == ["a", "b", "a", "b"]
    np.savez(tmp_path / "nolabels.npz", x=x)
    with pytest.raises(ValueError, match=r"nolabels\.npz: expected arrays 'x' and 'y'"):
        data.load(tmp_path / "nolabels.npz")
    np.savez(tmp_path / "short.npz", x=x, y=np.zeros(3))
    with pytest.raises(ValueError, match=r"short\.npz: 'x' has 4 samples but 'y' has 3"):
        data.load(tmp_path / "short.npz")


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.ts: no such file"):
        data.load(tmp_path / "nothere.ts")
    with pytest.raises(ValueError, match=r"unknown file type '\.txt'"):
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
    with pytest.raises(ValueError, match=r"Received: normalize='rows'"):
        data.prepare(x, normalize="rows")


def test_bundled_digits_read_rows_as_time_steps():
    from sklearn.datasets import load_digits

    x, y = data.load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(x[5] * 16, load_digits().images[5])
    assert sorted(set(y.tolist())) == list(range(10))
