"""A deterministic, documented series with labelled anomalies, for anomaly detection."""

import numpy as np

from zoo._errors import InputError
from zoo.data._checks import positive_int
from zoo.data._tables import SeriesTable

ANOMALY_KINDS = ("spike", "level shift", "stuck sensor", "fast cycle", "noise burst", "weak cycle")


def make_anomaly_series(rows=6000, period=50, every=8, seed=0):
    """A periodic sensor reading with injected, labelled anomalies.

    The process, all of it drawn from `numpy.random.default_rng(seed)`:

    - normal behaviour: a temperature-like reading
      `20 + 3 * (sin(p) + 0.5 * sin(2p + 0.8)) + noise` with `p = 2 pi t / period`
      and AR(1) noise `e[t] = 0.6 e[t-1] + N(0, 0.2)`;
    - one anomaly every `every` periods, at a random offset inside its stretch
      (never in the first two periods), the kinds taking turns in the order of
      `ANOMALY_KINDS`:
      `spike` (one reading 7.5 above normal), `level shift` (+3 for half a
      period), `stuck sensor` (the reading freezes for half a period),
      `fast cycle` (the cycle runs twice as fast for one period), `noise burst`
      (four times the noise for half a period), `weak cycle` (the cycle shrinks
      to 30% for one period).

    Any six consecutive anomalies hold one of each kind, so a chronological
    test part of 40% of the default 6,000 rows (15 anomalies) sees every kind.

    Returns:
        A `SeriesTable` with columns `"value"` (the reading) and `"anomaly"`
        (0 on normal rows, else 1 + the kind's index in `ANOMALY_KINDS`), and
        the row numbers as `dates`.
    """
    rows = positive_int("rows", rows)
    period = positive_int("period", period, minimum=4)
    every = positive_int("every", every, minimum=2)
    if rows < 3 * period:
        raise InputError(f"Expected `rows` >= 3 * period. Received: rows={rows}, period={period}")
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    phase = 2 * np.pi * t / period
    cycle = np.sin(phase) + 0.5 * np.sin(2 * phase + 0.8)
    noise = np.zeros(rows)
    shocks = rng.normal(0.0, 0.2, rows)
    for i in range(1, rows):
        noise[i] = 0.6 * noise[i - 1] + shocks[i]
    label = np.zeros(rows)
    stretch = every * period
    half = period // 2
    for n, start in enumerate(range(2 * period, rows - period, stretch)):
        kind = ANOMALY_KINDS[n % len(ANOMALY_KINDS)]
        length = {"spike": 1, "fast cycle": period, "weak cycle": period}.get(kind, half)
        at = start + int(rng.integers(0, max(1, min(stretch, rows - start) - length - period)))
        span = slice(at, at + length)
        if kind == "spike":
            cycle[span] += 2.5
        elif kind == "level shift":
            cycle[span] += 1.0
        elif kind == "stuck sensor":
            cycle[span] = cycle[at]
            noise[span] = noise[at]
        elif kind == "fast cycle":
            fast = 2 * phase[span]
            cycle[span] = np.sin(fast) + 0.5 * np.sin(2 * fast + 0.8)
        elif kind == "noise burst":
            noise[span] *= 4.0
        else:  # weak cycle
            cycle[span] *= 0.3
        label[span] = 1 + ANOMALY_KINDS.index(kind)
    value = 20.0 + 3.0 * cycle + noise
    return SeriesTable(
        "generated anomaly series",
        ["value", "anomaly"],
        {"value": value, "anomaly": label},
        t.astype(str),
    )
