"""Anomaly detection on a series: windows inside one part, row scores, detection metrics.

An autoencoder reconstructs whole windows, so, unlike the forecasting windows
(`zoo.data.windows`, whose inputs may reach back into an earlier part), every
row of an anomaly window lies inside one chronological part
(`zoo.data.chronological_split`): nothing of the validation or test rows is
seen in training. Each row is then scored by the windows that cover it.
"""

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import positive_int

ANOMALY_METRICS = ["precision", "recall", "f1", "roc_auc", "average_precision"]
"""The keys of `detection`'s result besides `threshold` and `flagged`."""


def part_windows(values, span, start, stop, stride=1):
    """Windows of `span` consecutive rows lying wholly inside rows `[start, stop)`.

    Args:
        values: (rows, features) array.
        span: rows per window.
        start, stop: the part's rows (see `chronological_parts`).
        stride: rows between the first rows of consecutive windows.

    Returns:
        `(x, first)`: float32 `x` of shape (n, span, features), window `k` being
        rows `first[k] .. first[k] + span - 1`, with `first = range(start,
        stop - span + 1, stride)`. A part shorter than `span` gives no window.

    Example:
        >>> x, first = part_windows(np.arange(10.0)[:, None], 3, 2, 8, stride=2)
        >>> first.tolist(), x[0, :, 0].tolist()
        ([2, 4], [2.0, 3.0, 4.0])
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise InputError(
            f"Expected `values` of shape (rows, features). Received: shape {values.shape}"
        )
    span = positive_int("span", span)
    stride = positive_int("stride", stride)
    _check_part(start, stop, len(values))
    first = np.arange(start, stop - span + 1, stride)
    if len(first) == 0:
        return np.zeros((0, span, values.shape[1]), "float32"), first
    view = np.lib.stride_tricks.sliding_window_view(values, span, axis=0)  # (n, F, span)
    return view[first].transpose(0, 2, 1).astype("float32"), first


def touches(labels, first, span):
    """Which windows (first rows `first`, `span` rows each) hold a labelled row.

    Args:
        labels: one entry per row, nonzero (or True) where the row is labelled
            anomalous; `None` (no labels) means no window touches one.
        first, span: the windows, as `part_windows` returns them.

    Returns:
        A bool array, one entry per window.
    """
    first = np.asarray(first, dtype="int64")
    if labels is None:
        return np.zeros(len(first), bool)
    labels = np.asarray(labels) != 0
    if len(first) and (first.min() < 0 or first.max() + span > len(labels)):
        raise InputError(
            f"Expected every window inside the {len(labels)} labelled rows. Received: "
            f"first rows {first.min()}..{first.max()} with span={span}"
        )
    flagged = np.concatenate([[0], np.cumsum(labels)])
    return flagged[first + span] - flagged[first] > 0


def row_scores(errors, first, start, stop):
    """Each row of `[start, stop)` scored by the mean error its windows give it.

    Args:
        errors: (n, span) per-step errors of the windows (e.g. the squared
            reconstruction error averaged over features).
        first: each window's first row; every window must lie inside the part.
        start, stop: the part's rows.

    Returns:
        float64 array of `stop - start` scores: for row `r`, the mean of
        `errors[k, r - first[k]]` over the windows `k` that cover it; NaN for a
        row no window covers.
    """
    errors = np.asarray(errors, dtype="float64")
    first = np.asarray(first, dtype="int64")
    if errors.ndim != 2 or len(errors) != len(first):
        raise InputError(
            f"Expected `errors` of shape (len(first), span) = ({len(first)}, span). "
            f"Received: shape {errors.shape}"
        )
    _check_part(start, stop, None)
    span = errors.shape[1]
    if len(first) and (first.min() < start or first.max() + span > stop):
        raise InputError(
            f"Expected every window inside rows [{start}, {stop}). Received: first rows "
            f"{first.min()}..{first.max()} with span {span}"
        )
    rows = ((first - start)[:, None] + np.arange(span)).ravel()
    total = np.bincount(rows, weights=errors.ravel(), minlength=stop - start)
    count = np.bincount(rows, minlength=stop - start)
    return np.divide(total, count, out=np.full(stop - start, np.nan), where=count > 0)


def detection(truth, scores, threshold):
    """How well `scores > threshold` flags the anomalies in `truth`.

    Args:
        truth: bool per row or sequence (True: anomalous), or `None` (no labels).
        scores: anomaly scores, higher meaning more anomalous.
        threshold: scores above it are flagged.

    Returns:
        A dict of `threshold`, `flagged` (how many are flagged), and the metrics
        of `ANOMALY_METRICS`: precision, recall and F1 of the flags, and ROC AUC
        and average precision of the scores. The metrics are None without
        labels or when `truth` holds one class only.
    """
    from sklearn.metrics import (
        average_precision_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    scores = np.asarray(scores, dtype="float64")
    flagged = scores > threshold
    result = {"threshold": threshold, "flagged": int(flagged.sum())}
    if truth is None:
        return {**result, **dict.fromkeys(ANOMALY_METRICS)}
    truth = np.asarray(truth, dtype=bool)
    if truth.shape != scores.shape:
        raise InputError(
            f"Expected `truth` and `scores` of one shape. Received: {truth.shape} and "
            f"{scores.shape}"
        )
    if truth.all() or not truth.any():
        return {**result, **dict.fromkeys(ANOMALY_METRICS)}
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, flagged, average="binary", zero_division=0
    )
    return {
        **result,
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": float(roc_auc_score(truth, scores)),
        "average_precision": float(average_precision_score(truth, scores)),
    }


def _check_part(start, stop, rows):
    ok = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, stop))
    if not ok or not 0 <= start <= stop or (rows is not None and stop > rows):
        limit = "" if rows is None else f" <= {rows} (the rows)"
        raise InputError(
            f"Expected 0 <= start <= stop{limit}. Received: start={start!r}, stop={stop!r}"
        )
