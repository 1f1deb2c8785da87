"""Forecasting panels: long and wide CSV tables, Monash .tsf files, the published
panel aeon ships, calendar features and streaming a panel larger than memory."""

import socket
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zoo import data
from zoo._errors import InputError

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once

AEON_DATA = Path(pytest.importorskip("aeon").__file__).parent / "datasets" / "data"


def write(path, text):
    path.write_text(text)
    return path


def days(start, n, freq="D"):
    return pd.date_range(start, periods=n, freq=freq).to_numpy("datetime64[us]")


# === Long and wide tables ===


def test_long_table_round_trips_exact_values(tmp_path):
    rng = np.random.default_rng(0)
    frames, expected = [], {}
    for sid, n in [("shop 2", 7), ("shop 1", 12), ("10", 3)]:
        target = rng.normal(size=n) * 1000
        promo = rng.integers(0, 2, size=n).astype(float)
        price = rng.normal(size=n)
        dates = pd.date_range("2021-03-01", periods=n, freq="MS")
        expected[sid] = (target, promo, price, dates.to_numpy("datetime64[us]"))
        frames.append(
            pd.DataFrame(
                {
                    "when": dates.strftime("%Y-%m-%d"),
                    "store": sid,
                    "sales": [repr(float(v)) for v in target],
                    "price": [repr(float(v)) for v in price],
                    "promo": promo,
                    "size": len(sid),
                    "ignored": "text",
                }
            )
        )
    path = tmp_path / "sales.csv"
    pd.concat(frames).to_csv(path, index=False)
    panel = data.read_panel(
        path,
        target="sales",
        id_column="store",
        date_column="when",
        past=("price",),
        future=("promo",),
        static=("size",),
    )
    assert isinstance(panel, data.Panel) and panel.name == "sales" and panel.freq == "MS"
    assert panel.ids == ["shop 2", "shop 1", "10"]  # the order of the data, ids as text
    assert (panel.past_names, panel.future_names, panel.static_names) == (
        ("price",),
        ("promo",),
        ("size",),
    )
    for series in panel:
        target, promo, price, dates = expected[series.id]
        assert series.target.dtype == np.float64 and series.target.shape == target.shape
        np.testing.assert_array_equal(series.target, target)  # exact: no float32 trip
        np.testing.assert_array_equal(series.past[:, 0], price)
        np.testing.assert_array_equal(series.future[:, 0], promo)
        np.testing.assert_array_equal(series.dates, dates)
        np.testing.assert_array_equal(series.static, [len(series.id)])
    assert len(panel) == 3 and panel["shop 1"] is panel[1] and len(panel[1]) == 12
    assert panel[1:].ids == ["shop 1", "10"]
    with pytest.raises(InputError, match=r"no series 'shop 3'"):
        panel["shop 3"]


def test_interleaved_long_rows_group_by_series_and_sort_on_request(tmp_path):
    text = (
        "id,date,y\n"
        "a,2020-01-03,3\n"
        "b,2020-01-01,10\n"
        "a,2020-01-01,1\n"  # line 4: before line 2's date
        "b,2020-01-02,20\n"
        "a,2020-01-02,2\n"
    )
    path = write(tmp_path / "mixed.csv", text)
    with pytest.raises(
        InputError, match=r"mixed\.csv, line 4, series 'a': date 2020-01-01 comes before 2020-01-03"
    ):
        data.read_panel(path, target="y", id_column="id", date_column="date")
    panel = data.read_panel(path, target="y", id_column="id", date_column="date", sort=True)
    assert panel.ids == ["a", "b"] and panel.freq == "D"
    np.testing.assert_array_equal(panel["a"].target, [1, 2, 3])
    np.testing.assert_array_equal(panel["a"].dates, days("2020-01-01", 3))
    np.testing.assert_array_equal(panel["b"].target, [10, 20])


def test_wide_table_cuts_each_series_to_its_span_and_shares_future_columns(tmp_path):
    text = (
        "month,north,south,holiday\n"
        "2020-01,1.5,,0\n"
        "2020-02,2.5,,1\n"
        "2020-03,3.5,30,0\n"
        "2020-04,4.5,40,0\n"
        "2020-05,,50,1\n"
    )
    path = write(tmp_path / "wide.csv", text)
    panel = data.read_panel(
        path, target=("north", "south"), date_column="month", future=("holiday",)
    )
    assert panel.ids == ["north", "south"] and panel.freq == "MS"
    north, south = panel
    np.testing.assert_array_equal(north.target, [1.5, 2.5, 3.5, 4.5])
    np.testing.assert_array_equal(north.future[:, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(north.dates, days("2020-01-01", 4, "MS"))
    np.testing.assert_array_equal(south.target, [30, 40, 50])
    np.testing.assert_array_equal(south.future[:, 0], [0, 0, 1])
    np.testing.assert_array_equal(south.dates, days("2020-03-01", 3, "MS"))
    assert north.past is None and north.static is None
    one = data.read_panel(path, target="north")  # no dates: no frequency
    assert one.freq is None and one[0].dates is None and len(one[0]) == 4


def test_wide_table_problems_name_the_series(tmp_path):
    text = "month,north,south\n2020-01,1,\n2020-02,2,x\n2020-03,3,4\n"
    with pytest.raises(
        InputError, match=r"w\.csv, line 3, series 'south': column 'south' holds 'x'"
    ):
        data.read_panel(write(tmp_path / "w.csv", text), target=("north", "south"))
    text = "month,north,south\n2020-01,1,2\nJan 2020,2,3\n"
    with pytest.raises(InputError, match=r"line 3, series 'north', 'south': cannot read the date"):
        data.read_panel(
            write(tmp_path / "w.csv", text), target=("north", "south"), date_column="month"
        )
    text = "month,north,south\n2020-02,1,2\n2020-01,2,3\n2020-03,3,4\n"
    path = write(tmp_path / "w.csv", text)
    with pytest.raises(InputError, match=r"line 3, series 'north': date 2020-01-01 comes before"):
        data.read_panel(path, target=("north", "south"), date_column="month")
    panel = data.read_panel(path, target=("north", "south"), date_column="month", sort=True)
    np.testing.assert_array_equal(panel["south"].target, [3, 2, 4])
    text = "month,north,south\n2020-01,1,2\n2020-02,,3\n2020-03,3,\n"
    path = write(tmp_path / "w.csv", text)
    with pytest.raises(InputError, match=r"line 3, series 'north': the target is missing a value"):
        data.read_panel(path, target=("north", "south"), date_column="month")
    panel = data.read_panel(path, target=("north", "south"), date_column="month", fill="forward")
    np.testing.assert_array_equal(panel["north"].target, [1, 1, 3])
    np.testing.assert_array_equal(panel["south"].target, [2, 3])  # ends a month early


def test_wide_table_refuses_past_and_static_columns(tmp_path):
    path = write(tmp_path / "w.csv", "a,b,x\n1,2,3\n2,3,4\n")
    with pytest.raises(InputError, match=r"past=\('x',\) needs a long table .* belong to no"):
        data.read_panel(path, target=("a", "b"), past=("x",))
    with pytest.raises(InputError, match=r"static=\('x',\) needs a long table"):
        data.read_panel(path, target=("a", "b"), static=("x",))


def test_fill_mirrors_read_series_csv(tmp_path):
    path = write(tmp_path / "gaps.csv", "id,y\na,1\na,\na,NA\na,7\n")
    with pytest.raises(
        InputError, match=r"gaps\.csv, line 3, series 'a': the target is missing a value"
    ):
        data.read_panel(path, target="y", id_column="id")
    forward = data.read_panel(path, target="y", id_column="id", fill="forward")
    np.testing.assert_array_equal(forward[0].target, [1, 1, 1, 7])
    interpolated = data.read_panel(path, target="y", id_column="id", fill="interpolate")
    np.testing.assert_array_equal(interpolated[0].target, [1, 3, 5, 7])
    assert data.FILLS == ("forward", "interpolate")
    with pytest.raises(InputError, match=r"Expected `fill` to be one of"):
        data.read_panel(path, target="y", id_column="id", fill="ffill")


LONG = "id,date,y,p,s\n"


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("", {}, r"bad\.csv: the file is empty"),
        ("\n\n", {}, r"bad\.csv: the file is empty"),
        (LONG, {}, r"bad\.csv: no data rows after the header \(line 1\)"),
        (
            LONG + "a,2020-01-01,1,0,0\n",
            {"target": "sales"},
            r"bad\.csv: no column\(s\) \['sales'\]; the columns are "
            r"\['id', 'date', 'y', 'p', 's'\]",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\nb,2020-01-01,lots,0,0\n",
            {},
            r"bad\.csv, line 3, series 'b': column 'y' holds 'lots', not a number",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\na,2020-01-02,inf,0,0\n",
            {},
            r"line 3, series 'a': column 'y' holds 'inf', not a finite float32 number",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\na,2020-01-02,,0,0\na,2020-01-03,3,0,0\n",
            {},
            r"bad\.csv, line 3, series 'a': the target is missing a value \(1 missing",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\na,2020-01-02,2,,0\na,2020-01-03,3,0,0\n",
            {"past": ("p",)},
            r"line 3, series 'a': covariate 'p' is missing a value",
        ),
        (
            LONG + "b,2020-01-01,1,0,0\nb,2020-01-02,1,0,0\nb,2020-01-01,2,0,0\n",
            {"sort": True},
            r"bad\.csv, line 4, series 'b': date 2020-01-01 appears twice \(also line 2\)",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\nb,2020-01-01,1,0,0\nb,2020-13-45,2,0,0\n",
            {},
            r"line 4, series 'b': cannot read the date '2020-13-45' \(the dates are read in "
            r"the format of the first one, '2020-01-01' on line 2",
        ),
        (
            LONG + "a,soon,1,0,0\n",
            {},
            r"bad\.csv, line 2, series 'a': cannot read 'soon' in column 'date' as a date",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\nb,,2,0,0\n",
            {},
            r"bad\.csv, line 3, series 'b': the date is missing",
        ),
        (
            LONG + "a,2020-01-02,1,0,0\na,2020-01-01,2,0,0\n",
            {},
            r"line 3, series 'a': date 2020-01-01 comes before 2020-01-02 \(line 2\); .* "
            r"sort=True",
        ),
        (
            LONG + "".join(f"a,2020-01-0{d},1,0,0\n" for d in (1, 2, 3, 5, 6)),
            {},
            r"bad\.csv, line 5, series 'a': date 2020-01-05 follows 2020-01-03 \(line 4\), but "
            r"with frequency 'D' the next date is 2020-01-04: a gap",
        ),
        (
            LONG
            + "".join(f"a,2020-0{m}-01,1,0,0\n" for m in range(1, 6))
            + "".join(f"b,2020-01-0{d},1,0,0\n" for d in range(1, 4)),
            {},
            r"series 'b': its dates step by 'D', but the panel's \(inferred on series 'a', "
            r"the longest\) by 'MS'",
        ),
        (
            LONG
            + "a,2020-01-01,1,0,0\na,2020-01-02,1,0,0\na,2020-01-03,1,0,0\nb,2020-01-01,1,0,0\n",
            {},
            r"bad\.csv, line 5, series 'b': the series has 1 value\(s\); a series needs at least 2",
        ),
        (
            LONG + "a,2020-01-01,1,0,7\na,2020-01-02,1,0,7\na,2020-01-03,1,0,8\n",
            {"static": ("s",)},
            r"bad\.csv, line 4, series 'a': static column 's' changes within the series: 8 here, "
            r"7 at line 2",
        ),
        (
            LONG + "a,2020-01-01,1,0,0\n,2020-01-02,1,0,0\n",
            {},
            r"bad\.csv, line 3: the id cell \(column 'id'\) is empty",
        ),
    ],
)
def test_every_problem_names_the_file_series_and_line(tmp_path, text, kwargs, message):
    arguments = {"target": "y", "id_column": "id", "date_column": "date", **kwargs}
    with pytest.raises(InputError, match=message):
        data.read_panel(write(tmp_path / "bad.csv", text), **arguments)


def test_line_numbers_count_blank_lines_and_line_breaks_in_quoted_cells(tmp_path):
    text = (
        "\n"  # line 1: blank, the header is line 2
        "id,note,y\n"
        'a,"two\nlines",1\n'  # lines 3-4
        "\n"  # line 5: blank
        "a,,2\n"  # line 6
        ",,\n"  # line 7: every cell empty, no row
        "a,ok,x\n"  # line 8
    )
    with pytest.raises(InputError, match=r"q\.csv, line 8, series 'a': column 'y' holds 'x'"):
        data.read_panel(write(tmp_path / "q.csv", text), target="y", id_column="id")


def test_unreadable_files_name_the_line(tmp_path):
    ragged = write(tmp_path / "r.csv", "id,y\na,1\na,2,3\n")
    with pytest.raises(InputError, match=r"r\.csv: bad CSV \(.*Expected 2 fields in line 3, saw 3"):
        data.read_panel(ragged, target="y", id_column="id")
    latin = tmp_path / "l.csv"
    latin.write_bytes(b"id,y\na,1\n\xe9t\xe9,2\n")
    with pytest.raises(InputError, match=r"l\.csv, line 3: not UTF-8 text"):
        data.read_panel(latin, target="y", id_column="id")


def test_many_series_read_all_at_once_equal_one_by_one(tmp_path):
    # every check passing: read in one vectorised pass; one bad row: series by series
    path = long_csv(tmp_path / "many.csv", 50, 6)
    arguments = {"target": "y", "id_column": "id", "date_column": "date"}
    fast = data.read_panel(path, **arguments)
    slow = data.read_panel(path, sort=True, **arguments)  # sorting takes the slow road
    assert fast.freq == slow.freq == "D" and fast.ids == slow.ids
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a.target, b.target)
        np.testing.assert_array_equal(a.dates, b.dates)
    lines = path.read_text().splitlines()
    lines[204] = lines[204].replace(",2020-01-06", ",2020-02-06")  # line 205: s000033's last
    with pytest.raises(InputError, match=r"line 205, series 's000033': date 2020-02-06 follows"):
        data.read_panel(write(path, "\n".join(lines) + "\n"), **arguments)


def test_arguments_are_checked(tmp_path):
    path = write(tmp_path / "a.csv", "id,y,z\na,1,2\na,2,3\n")
    with pytest.raises(InputError, match=r"one target column in a long table"):
        data.read_panel(path, target=("y", "z"), id_column="id")
    with pytest.raises(InputError, match=r"column 'y' is named twice: in target= and future="):
        data.read_panel(path, target="y", id_column="id", future=("y",))
    with pytest.raises(InputError, match=r"freq='D' needs dates"):
        data.read_panel(path, target="y", id_column="id", freq="D")
    with pytest.raises(InputError, match=r"iter_csv_panel reads long tables"):
        next(data.iter_csv_panel(path, target="y", id_column=None))


# === Frequencies ===


@pytest.mark.parametrize(
    "start, freq, expected",
    [
        ("1990-01-01", "YS", "YS"),
        ("1990-07-01", "YS-JUL", "YS"),  # the anchor follows the series
        ("1990-12-31", "YE", "YE"),
        ("1990-01-01", "QS", "QS"),
        ("1990-01-01", "MS", "MS"),
        ("1990-01-31", "ME", "ME"),
        ("2024-01-01", "W-MON", "W"),
        ("2024-01-01", "D", "D"),
        ("2024-01-01", "B", "B"),
        ("2024-01-01", "h", "h"),
        ("2024-01-01", "30min", "30min"),
        ("2024-01-01", "2D", "2D"),
    ],
)
def test_frequency_is_inferred_on_the_longest_series(tmp_path, start, freq, expected):
    dates = pd.date_range(start, periods=10, freq=freq)
    frame = pd.DataFrame({"id": "long", "date": dates, "y": np.arange(10.0)})
    short = frame.iloc[2:5].assign(id="short")
    path = tmp_path / "f.csv"
    pd.concat([short, frame]).to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    panel = data.read_panel(path, target="y", id_column="id", date_column="date")
    assert panel.freq == expected
    np.testing.assert_array_equal(panel["long"].dates, dates.to_numpy("datetime64[us]"))


def test_series_with_different_anchors_share_a_frequency(tmp_path):
    text = "id,date,y\n" + "".join(
        f"{sid},{year}-{month}-01,{year}\n"
        for sid, month in [("jan", "01"), ("jul", "07")]
        for year in range(2000, 2004)
    )
    path = write(tmp_path / "y.csv", text)
    panel = data.read_panel(path, target="y", id_column="id", date_column="date")
    assert panel.freq == "YS"
    np.testing.assert_array_equal(panel["jul"].dates, days("2000-07-01", 4, "YS-JUL"))


def test_a_frequency_needs_three_dates_or_freq(tmp_path):
    path = write(tmp_path / "two.csv", "id,date,y\na,2020-01-01,1\na,2020-02-01,2\n")
    with pytest.raises(InputError, match=r"cannot infer the frequency: .* 2 dates; pass freq="):
        data.read_panel(path, target="y", id_column="id", date_column="date")
    panel = data.read_panel(path, target="y", id_column="id", date_column="date", freq="MS")
    assert panel.freq == "MS"
    with pytest.raises(InputError, match=r"date 2020-02-01 follows 2020-01-01 \(line 2\), but "):
        data.read_panel(path, target="y", id_column="id", date_column="date", freq="D")
    with pytest.raises(InputError, match=r"Expected `freq` to be a pandas frequency alias"):
        data.read_panel(path, target="y", id_column="id", date_column="date", freq="fortnight")


# === Calendar features and future dates ===


def test_calendar_features_on_known_dates():
    # 2021-01-01 was a Friday (day of week 4), 2021-12-31 too
    daily = data.calendar_features(np.array(["2021-01-01", "2021-01-31"], "datetime64[D]"), "D")
    assert daily.dtype == np.float32 and daily.shape == (2, 2)
    np.testing.assert_allclose(daily[0], [4 / 6 - 0.5, -0.5], rtol=1e-6)  # Fri, the 1st
    np.testing.assert_allclose(daily[1], [6 / 6 - 0.5, 0.5], rtol=1e-6)  # Sun, the 31st
    monthly = data.calendar_features(days("2021-01-01", 12, "MS"), "MS")
    assert monthly.shape == (12, 1)
    np.testing.assert_allclose(monthly[[0, 11], 0], [-0.5, 0.5])
    hourly = data.calendar_features(np.array(["2021-01-04T23:00"], "datetime64[m]"), "h")
    np.testing.assert_allclose(hourly, [[0.5, -0.5]])  # 23:00 on a Monday
    assert data.calendar_features(days("2000-01-01", 5, "YS"), "YS").shape == (5, 0)
    assert data.calendar_feature_names("h") == ("hour_of_day", "day_of_week")
    every = data.calendar_features(days("2021-01-01", 2000, "h"), "min")
    assert every.min() >= -0.5 and every.max() <= 0.5


@pytest.mark.parametrize(
    "dates, freq, expected",
    [
        (["2020-11-01", "2020-12-01"], "MS", ["2021-01-01", "2021-02-01"]),
        (["2019-07-01", "2020-07-01"], "YS", ["2021-07-01", "2022-07-01"]),
        (["2024-01-01", "2024-01-08"], "W", ["2024-01-15", "2024-01-22"]),  # Mondays
        (["2020-12-31T22:00", "2020-12-31T23:00"], "h", ["2021-01-01T00:00", "2021-01-01T01:00"]),
        (["2020-01-31", "2020-02-29"], "ME", ["2020-03-31", "2020-04-30"]),
    ],
)
def test_extend_dates(dates, freq, expected):
    got = data.extend_dates(np.array(dates, "datetime64[us]"), freq, 2)
    np.testing.assert_array_equal(got, np.array(expected, "datetime64[us]"))
    assert len(data.extend_dates(np.array(dates, "datetime64[us]"), freq, 0)) == 0


# === Arrays ===


def test_panel_from_arrays():
    panel = data.panel_from_arrays([np.arange(5.0), [1, 2, 3]], ids=["x", "y"])
    assert panel.ids == ["x", "y"] and [len(s) for s in panel] == [5, 3] and panel.freq is None
    dated = data.panel_from_arrays(
        [np.arange(4.0), np.arange(3.0)],
        dates=[days("2020-01-01", 4), days("2020-03-01", 3)],
        static=[[1.0], [2.0]],
    )
    assert dated.freq == "D" and dated.static_names == ("static_0",) and dated[1].static == [2]
    with pytest.raises(InputError, match=r"values, index 2, series '0': the target is missing"):
        data.panel_from_arrays([[1.0, 2.0, np.nan, 4.0]])
    with pytest.raises(InputError, match=r"series '1': the series has 1 value"):
        data.panel_from_arrays([[1.0, 2.0], [3.0]])
    with pytest.raises(InputError, match=r"series id 'a' appears twice"):
        data.panel_from_arrays([[1.0, 2.0], [3.0, 4.0]], ids=["a", "a"])
    with pytest.raises(InputError, match=r"series '1': future has 2 column\(s\), but 1 are"):
        data.panel_from_arrays(
            [[1.0, 2.0], [3.0, 4.0]], future=[np.zeros((2, 1)), np.zeros((2, 2))]
        )
    with pytest.raises(InputError, match=r"values, index 1, series '0': date 2020-01-01 comes"):
        data.panel_from_arrays([[1.0, 2.0]], dates=[["2020-01-02", "2020-01-01"]])


# === Monash .tsf files ===


def test_tsf_reader_matches_aeons_loader_on_m1_yearly():
    from aeon.datasets import load_forecasting

    frame, meta = load_forecasting("m1_yearly_dataset", return_metadata=True)
    panel = data.read_tsf(AEON_DATA / "m1_yearly_dataset" / "m1_yearly_dataset.tsf")
    assert len(panel) == len(frame) == 181
    assert panel.ids == list(frame["series_name"])
    assert panel.horizon == meta["forecast_horizon"] == 6
    assert panel.freq == "YS" and panel.season == 1 and panel.name == "M1"
    for series, (_, row) in zip(panel, frame.iterrows(), strict=True):
        values = np.asarray(row["series_value"], dtype="float64")
        assert len(series) == len(values)
        np.testing.assert_array_equal(series.target, values)
        assert series.dates[0] == np.datetime64(row["start_timestamp"], "us")
        assert pd.Timestamp(series.dates[-1]).year == row["start_timestamp"].year + len(values) - 1


def test_published_panel_reads_the_shipped_file_without_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    panel = data.load_published_panel("m1_yearly")
    assert (panel.name, len(panel), panel.horizon, panel.season, panel.freq) == (
        "m1_yearly",
        181,
        6,
        1,
        "YS",
    )
    assert data.load_published_panel("m1_yearly_dataset").ids == panel.ids
    assert set(data.PANELS) == {"m1_yearly", "fertility", "macrodata"}
    # statsmodels' own data: every value as the package holds it, dates quarterly
    macro = data.load_published_panel("macrodata")
    assert (len(macro), macro.freq, macro.season, macro.horizon) == (8, "QS", 4, 8)
    import statsmodels.api as sm

    frame = sm.datasets.macrodata.load_pandas().data
    np.testing.assert_array_equal(macro["realgdp"].target, frame.realgdp.to_numpy())
    assert str(macro["cpi"].dates[1])[:10] == "1959-04-01"
    fertility = data.load_published_panel("fertility")
    assert len(fertility) == 196 and fertility.freq == "YS"
    assert all(len(s) >= 20 and np.isfinite(s.target).all() for s in fertility)
    with pytest.raises(InputError, match=r"unknown forecasting panel 'm4'; the known ones: "):
        data.load_published_panel("m4")


def test_tsf_series_names_dates_and_aeons_unit_test_files():
    folder = AEON_DATA / "UnitTest"
    grouped = data.read_tsf(folder / "UnitTest_Tsf_Loader_hierarchical.tsf")
    assert grouped.ids == ["T1", "T2", "T3"]  # series_name, not the group
    assert grouped[2].dates[0] == np.datetime64("1973-01-01")
    plain = data.read_tsf(folder / "UnitTest_Tsf_Loader_no_start_timestamp.tsf")
    assert plain[0].dates is None and plain.freq == "YS" and plain.horizon == 4
    np.testing.assert_array_equal(plain[1].target, [887896.51, 887068.98, 971549.04])


TSF = """# comment
@relation demo
@attribute series_name string
@attribute shop numeric
@attribute start_timestamp date
@frequency weekly
@missing true
@equallength false
@data
"""


def test_tsf_weeks_missing_values_and_statics(tmp_path):
    path = write(
        tmp_path / "w.tsf", TSF + "a:3:2024-01-01 00-00-00:1,?,3\nb:4:2024-01-07 00-00-00:5,6\n"
    )
    with pytest.raises(InputError, match=r"w\.tsf, line 10, value 2, series 'a': the target is"):
        data.read_tsf(path)
    panel = data.read_tsf(path, fill="interpolate")
    assert panel.freq == "W" and panel.season == 52 and panel.horizon is None
    assert panel.static_names == ("shop",)
    np.testing.assert_array_equal(panel[0].target, [1, 2, 3])
    np.testing.assert_array_equal(panel[0].static, [3])
    np.testing.assert_array_equal(panel[0].dates, days("2024-01-01", 3, "7D"))  # Mondays
    np.testing.assert_array_equal(panel[1].dates, days("2024-01-07", 2, "7D"))  # Sundays


def test_tsf_month_starts_off_the_first_keep_their_day(tmp_path):
    text = TSF.replace("weekly", "monthly") + "a:1:2020-01-15 00-00-00:1,2,3\n"
    panel = data.read_tsf(write(tmp_path / "m.tsf", text))
    assert panel.freq == "MS" and panel.season == 12
    np.testing.assert_array_equal(
        panel[0].dates, np.array(["2020-01-15", "2020-02-15", "2020-03-15"], "datetime64[us]")
    )
    np.testing.assert_array_equal(
        data.extend_dates(panel[0].dates, panel.freq, 1), np.array(["2020-04-15"], "datetime64[us]")
    )


@pytest.mark.parametrize(
    "rows, message",
    [
        ("a:3:2024-01-01 00-00-00:1,x,3\n", r"line 10, value 2, series 'a': 'x' is not a number"),
        ("a:3:1,2\n", r"line 10: 3 field\(s\) separated by ':', but the header declares 3"),
        ("a:3:2024-01-01 00-00-00:1,2\na:3:2024-01-01 00-00-00:1,2\n", r"line 11: series 'a' "),
        ("a:x:2024-01-01 00-00-00:1,2\n", r"line 10, series 'a': attribute 'shop' is numeric"),
        ("a:3:2024-01-01:1\n", r"line 10, value 1, series 'a': the series has 1 value"),
        ("", r"t\.tsf: no series after @data"),
    ],
)
def test_tsf_problems_name_the_line(tmp_path, rows, message):
    with pytest.raises(InputError, match=message):
        data.read_tsf(write(tmp_path / "t.tsf", TSF + rows))


# === Streaming ===


def long_csv(path, n, steps):
    """`n` daily series of `steps` rows each, sorted by id; value = row number / 4."""
    ids = np.repeat([f"s{i:06d}" for i in range(n)], steps)
    dates = np.tile(pd.date_range("2020-01-01", periods=steps).strftime("%Y-%m-%d"), n)
    pd.DataFrame({"id": ids, "date": dates, "y": np.arange(n * steps) / 4}).to_csv(
        path, index=False
    )
    return path


def test_streaming_matches_reading_all_and_names_lines_across_chunks(tmp_path):
    path = long_csv(tmp_path / "small.csv", 7, 5)
    arguments = {"target": "y", "id_column": "id", "date_column": "date"}
    panel = data.read_panel(path, **arguments)
    streamed = list(data.iter_csv_panel(path, chunksize=3, **arguments))
    assert [s.id for s in streamed] == panel.ids
    for a, b in zip(streamed, panel, strict=True):
        np.testing.assert_array_equal(a.target, b.target)
        np.testing.assert_array_equal(a.dates, b.dates)
    text = path.read_text().splitlines()
    text[10] = text[10].replace("2020-01-05", "2020-01-07")  # line 11: s000001's last date
    with pytest.raises(InputError, match=r"line 11, series 's000001': date 2020-01-07 follows"):
        list(data.iter_csv_panel(write(path, "\n".join(text) + "\n"), chunksize=4, **arguments))
    shuffled = write(tmp_path / "back.csv", "id,y\na,1\na,2\nb,1\nb,2\na,3\n")
    with pytest.raises(InputError, match=r"line 6, series 'a': its rows appear again, after"):
        list(data.iter_csv_panel(shuffled, target="y", id_column="id", chunksize=2))


RICH = (
    "id,date,y,price,promo,size\n"
    + "".join(f"a,2020-01-{d:02d},{d},{d / 10},{d % 2},3\n" for d in range(1, 9))
    + "b,2020-01-02,1,0.5,1,4\nb,2020-01-03,,0.5,0,4\nb,2020-01-04,3,0.5,0,4\n"
    + "".join(f"c,2020-02-{d:02d},{-d},1,{d % 3},5\n" for d in range(1, 6))
)


@pytest.mark.parametrize("chunksize", [1, 2, 5, 9, 100])
def test_streaming_with_covariates_matches_reading_all(tmp_path, chunksize):
    path = write(tmp_path / "rich.csv", RICH)
    arguments = {
        "target": "y",
        "id_column": "id",
        "date_column": "date",
        "past": ("price",),
        "future": ("promo",),
        "static": ("size",),
        "fill": "interpolate",
    }
    panel = data.read_panel(path, **arguments)
    streamed = list(data.iter_csv_panel(path, chunksize=chunksize, **arguments))
    assert [s.id for s in streamed] == panel.ids == ["a", "b", "c"]
    np.testing.assert_array_equal(panel["b"].target, [1, 2, 3])
    for a, b in zip(streamed, panel, strict=True):
        for field in ("target", "dates", "past", "future", "static"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    changed = write(
        tmp_path / "changed.csv", RICH.replace("c,2020-02-04,-4,1,1,5", "c,2020-02-04,-4,1,1,6")
    )
    with pytest.raises(
        InputError,
        match=r"line 16, series 'c': static column 'size' changes .* 6 here, 5 at line 13",
    ):
        list(data.iter_csv_panel(changed, chunksize=chunksize, **arguments))


def stream(path, keep=False, chunksize=2_000):
    """Streams `path` under tracemalloc: (series kept or the last, count, sum, peak, held)."""
    kept, count, total, series = [], 0, 0.0, None
    tracemalloc.start()
    try:
        for series in data.iter_csv_panel(
            path, target="y", id_column="id", date_column="date", chunksize=chunksize
        ):
            count, total = count + 1, total + series.target.sum()
            if keep:
                kept.append(series)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return kept or series, count, total, peak, held


def test_streaming_twenty_thousand_series_keeps_memory_bounded(tmp_path):
    n, steps = 20_000, 10
    # what holding every series costs, from the first 1,000 of the same shape
    _, sample, _, _, held = stream(long_csv(tmp_path / "sample.csv", 1_000, steps), keep=True)
    everything = held / sample * n
    last, count, total, peak, _ = stream(long_csv(tmp_path / "big.csv", n, steps))
    assert count == n and last.id == f"s{n - 1:06d}"
    assert total == np.arange(n * steps).sum() / 4
    np.testing.assert_array_equal(last.target, np.arange((n - 1) * steps, n * steps) / 4)
    # one chunk, one series and the set of ids read: a fraction of the whole
    assert peak < everything / 3, f"peak {peak / 1e6:.1f} MB, all {everything / 1e6:.1f} MB"
