"""Anomaly windows and scores: zoo.data.part_windows, touches, row_scores, detection."""

import numpy as np
import pytest

from zoo import data
from zoo._errors import InputError

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once


def test_part_windows_lie_inside_their_part():
    values = np.arange(20.0).reshape(10, 2)
    x, first = data.part_windows(values, span=3, start=2, stop=8, stride=2)
    assert first.tolist() == [2, 4]  # a window at 6 would need row 8
    assert x.shape == (2, 3, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0], values[2:5])
    np.testing.assert_array_equal(x[1], values[4:7])
    every, first = data.part_windows(values, 3, 0, 10)
    assert first.tolist() == list(range(8))
    np.testing.assert_array_equal(every[-1], values[7:10])


def test_part_windows_of_a_short_part_are_empty():
    x, first = data.part_windows(np.zeros((10, 3)), span=5, start=6, stop=10)
    assert x.shape == (0, 5, 3) and x.dtype == np.float32 and len(first) == 0
    x, first = data.part_windows(np.zeros((2, 1)), span=5, start=0, stop=2)
    assert x.shape == (0, 5, 1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"span": 0}, r"Received: span=0"),
        ({"stride": 0}, r"Received: stride=0"),
        ({"stop": 11}, r"Expected 0 <= start <= stop <= 10 \(the rows\)"),
        ({"start": 4, "stop": 3}, r"Received: start=4, stop=3"),
    ],
)
def test_part_windows_name_bad_arguments(kwargs, message):
    arguments = {"span": 3, "start": 0, "stop": 10, **kwargs}
    with pytest.raises(InputError, match=message):
        data.part_windows(np.zeros((10, 1)), **arguments)
    with pytest.raises(InputError, match=r"shape \(rows, features\)"):
        data.part_windows(np.zeros(10), 3, 0, 10)


def test_touches_by_hand():
    labels = np.zeros(12, bool)
    labels[5] = True
    first = np.array([0, 2, 3, 5, 6, 9])
    assert data.touches(labels, first, 3).tolist() == [False, False, True, True, False, False]
    assert data.touches(labels.astype(int) * 4, first, 3).tolist()[2:4] == [True, True]
    assert data.touches(None, first, 3).tolist() == [False] * 6
    with pytest.raises(InputError, match="inside the 12 labelled rows"):
        data.touches(labels, np.array([10]), 3)


def loop_row_scores(errors, first, start, stop):
    """The recipe's first version, one window offset at a time."""
    span = errors.shape[1]
    total, count = np.zeros(stop - start), np.zeros(stop - start)
    for j in range(span):
        np.add.at(total, first - start + j, errors[:, j])
        np.add.at(count, first - start + j, 1)
    return np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0)


def test_row_scores_by_hand():
    errors = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    scores = data.row_scores(errors, np.array([4, 5]), start=3, stop=9)
    # row 3: no window; 4: 1; 5: (2 + 10) / 2; 6: (3 + 20) / 2; 7: 30; 8: none
    np.testing.assert_array_equal(scores, [np.nan, 1, 6, 11.5, 30, np.nan])


def test_row_scores_match_the_loop():
    rng = np.random.default_rng(0)
    for _ in range(50):
        span, start = int(rng.integers(1, 6)), int(rng.integers(0, 5))
        stop = start + span + int(rng.integers(0, 30))
        _, first = data.part_windows(
            np.zeros((stop, 1)), span, start, stop, int(rng.integers(1, 4))
        )
        errors = rng.random((len(first), span))
        np.testing.assert_allclose(
            data.row_scores(errors, first, start, stop),
            loop_row_scores(errors, first, start, stop),
            rtol=1e-12,
        )


def test_row_scores_refuse_windows_outside_the_part():
    with pytest.raises(InputError, match=r"inside rows \[3, 9\)"):
        data.row_scores(np.zeros((1, 3)), np.array([7]), 3, 9)
    with pytest.raises(InputError, match=r"Expected `errors` of shape \(len\(first\), span\)"):
        data.row_scores(np.zeros((2, 3)), np.array([4]), 3, 9)


def test_detection_by_hand():
    truth = np.array([False, False, True, True])
    scores = np.array([0.1, 0.6, 0.7, 0.9])
    result = data.detection(truth, scores, threshold=0.5)
    assert result["threshold"] == 0.5 and result["flagged"] == 3
    assert result["precision"] == pytest.approx(2 / 3) and result["recall"] == 1.0
    assert result["f1"] == pytest.approx(0.8)
    assert result["roc_auc"] == 1.0 and result["average_precision"] == 1.0
    assert set(result) == {"threshold", "flagged", *data.ANOMALY_METRICS}


@pytest.mark.parametrize("truth", [None, np.zeros(3, bool), np.ones(3, bool)])
def test_detection_without_two_classes_counts_only(truth):
    result = data.detection(truth, np.array([0.1, 0.6, 0.7]), 0.5)
    assert result["flagged"] == 2
    assert all(result[name] is None for name in data.ANOMALY_METRICS)


def test_detection_shapes_must_match():
    with pytest.raises(InputError, match="of one shape"):
        data.detection(np.array([True, False]), np.array([0.1, 0.2, 0.3]), 0.5)
