"""How a global forecaster reads a panel: context windows across every series.

`ForecastWindows` turns series of any lengths into fixed-size model inputs:
the `context` steps up to a forecast origin (padded on the left with the
first value and marked unobserved where a series is shorter), each window
scaled by its own level so that series of very different sizes train one
model (Salinas et al. 2020 scale by the mean |y| of the context and feed its
log as an input; so does this), and the `horizon` targets relative to a base
forecast: the last observed value (`base="last"`, the model learns the change)
or the seasonal naive forecast (`base="season"`, the model learns what the
last season does not explain). With `log=True` (positive series only) all of
it happens on log values, so the outputs are log ratios.

The same object makes training windows (every origin of every series that
leaves `horizon` targets, `training`) and the inputs at chosen origins
(`origins`), and maps outputs back to original units (`unscale`), so a
forecast replays exactly the preparation of training. Covariates: past-only
(observed up to the origin, read in the context), known-future (read in the
context and over the horizon, as the second input of a model with
`future_features`) and static (one row per series, repeated at every step).
"""

import dataclasses

import numpy as np

from zoo._errors import InputError

BASES = ("last", "season")
LEVEL_SCALE = 10.0  # the log-level input is divided by this to stay near [-1, 1]


@dataclasses.dataclass
class Origins:
    """Model inputs at forecast origins and what maps outputs back.

    `x` is (n, context, features) (with `future`, the (n, horizon,
    future_features) known-future input, or None); `series` and `origin` say
    which series and how many of its values each row saw; `scale` and `base`
    (n, horizon) undo the preparation (see `ForecastWindows.unscale`).
    """

    x: np.ndarray
    future: np.ndarray | None
    series: np.ndarray
    origin: np.ndarray
    scale: np.ndarray
    base: np.ndarray

    @property
    def inputs(self):
        """What the model takes: `x`, or `{"sequence": x, "future": future}`."""
        return self.x if self.future is None else {"sequence": self.x, "future": self.future}


@dataclasses.dataclass
class ForecastWindows:
    """Context windows of `context` steps and targets of `horizon` steps.

    Args:
        context: steps of history the model reads (shorter series are padded).
        horizon: steps forecast from each origin.
        season: the season length, for `base="season"`.
        base: what targets are relative to (see the module's docstring).
        log: model log values (every target value must be positive).
        min_observed: the fewest observed values a training window may have.
    """

    context: int
    horizon: int
    season: int | None = None
    base: str = "last"
    log: bool = False
    min_observed: int = 2

    def __post_init__(self):
        for name in ("context", "horizon", "min_observed"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise InputError(f"Expected `{name}` to be a positive integer. Received: {value!r}")
        if self.base not in BASES:
            raise InputError(f"Expected `base` to be one of {BASES}. Received: {self.base!r}")
        if self.base == "season" and not self.season:
            raise InputError('`base="season"` needs `season`, the season length in steps')
        season = self.season
        if season is not None and (not isinstance(season, int | np.integer) or season < 1):
            raise InputError(f"Expected `season` to be a positive integer. Received: {season!r}")

    # === The layout ===

    def features(self, past=0, future=0, static=0):
        """Input channels per context step: the scaled value, the observed
        flag, the log level, then past, known-future and static covariates."""
        return 3 + past + future + static

    # === Windows ===

    def training(self, targets, *, past=None, future=None, static=None, end=None, stride=1):
        """Every training window: `(inputs, y)` with `y` (n, horizon) scaled.

        `targets` is a list of 1-D arrays; `past` and `future` lists of (T, k)
        arrays beside them (None: no such covariates); `static` (n_series, k).
        `end` (one per series, default: every value) is where each series'
        training part ends: only values before it are read. Origins run from
        `min_observed` to `end - horizon`, every `stride` steps.
        """
        ends = self._ends(targets, end)
        rows = []
        for k, stop in enumerate(ends):
            first = self.min_observed
            last = int(stop) - self.horizon
            if last >= first:
                for origin in range(last, first - 1, -stride):
                    rows.append((k, origin))
        if not rows:
            raise InputError(
                f"no series is long enough for one training window: each needs "
                f"{self.min_observed} observed values before {self.horizon} target values "
                f"(the longest training part has {max((int(e) for e in ends), default=0)})"
            )
        rows = np.array(rows)[::-1]
        origins = self.origins(
            targets, past=past, future=future, static=static, series=rows[:, 0], origin=rows[:, 1]
        )
        y = np.stack(
            [
                self._transform(targets[k][o : o + self.horizon])
                for k, o in zip(rows[:, 0], rows[:, 1], strict=True)
            ]
        )
        return origins, ((y - origins.base) / origins.scale).astype("float32")

    def origins(self, targets, *, past=None, future=None, static=None, series=None, origin=None):
        """The inputs at forecast origins: by default the end of every series
        (`origin[k] = len(targets[k])`); else the rows `series` (indices into
        `targets`) at `origin` (values seen)."""
        if series is None:
            series = np.arange(len(targets))
            origin = np.array([len(t) for t in targets])
        series, origin = np.asarray(series), np.asarray(origin)
        n, c, h = len(series), self.context, self.horizon
        width = self.features(
            _width(past), _width(future), 0 if static is None else np.shape(static)[1]
        )
        x = np.zeros((n, c, width), dtype="float32")
        future_x = None if future is None else np.zeros((n, h, _width(future)), "float32")
        scale = np.ones((n, 1), dtype="float64")
        base = np.zeros((n, h), dtype="float64")
        for i, (k, o) in enumerate(zip(series, origin, strict=True)):
            values = self._transform(targets[k][:o])
            seen = values[-c:]
            pad = c - len(seen)
            padded = np.concatenate([np.full(pad, seen[0]), seen])
            level = float(np.mean(np.abs(seen))) if not self.log else 1.0
            level = level if level > 0 else 1.0
            last = seen[-1]
            x[i, :, 0] = (padded - last) / level
            x[i, pad:, 1] = 1.0
            x[i, :, 2] = (np.log(level) if not self.log else last) / LEVEL_SCALE
            column = 3
            if past is not None:
                x[i, :, column : column + _width(past)] = _context(past[k][:o], c)
                column += _width(past)
            if future is not None:
                x[i, :, column : column + _width(future)] = _context(future[k][:o], c)
                ahead = future[k][o : o + h]
                future_x[i, : len(ahead)] = ahead
                column += _width(future)
            if static is not None:
                x[i, :, column:] = np.asarray(static[k], dtype="float32")
            scale[i] = level
            base[i] = self._base(values)
        return Origins(x, future_x, series, origin, scale, base)

    def stream(self, series, *, batch_size=64, buffer=4096, seed=0, holdout=0):
        """Training batches from an iterable of series read once, in bounded memory.

        `series` yields `zoo.data.Series` (their past, future and static
        covariates are read as in `training`) or 1-D arrays; each one's
        windows (all but its last `holdout` values) go into a shuffle buffer
        of about `buffer` windows, from which batches of `batch_size` are
        drawn at random, so a panel larger than memory (read by
        `zoo.data.iter_csv_panel`) trains with memory bounded by the buffer.
        Yields `(inputs, y)` until the series run out.
        """
        rng = np.random.default_rng(seed)
        pool_x, pool_f, pool_y = [], [], []

        def batch(count):
            chosen = rng.choice(len(pool_y), size=count, replace=False)
            keep = np.setdiff1d(np.arange(len(pool_y)), chosen)
            x = np.stack([pool_x[i] for i in chosen])
            y = np.stack([pool_y[i] for i in chosen])
            f = np.stack([pool_f[i] for i in chosen]) if pool_f else None
            for pool in (pool_x, pool_y, pool_f):
                if pool:
                    pool[:] = [pool[i] for i in keep]
            return (x if f is None else {"sequence": x, "future": f}), y

        for item in series:
            target = getattr(item, "target", item)
            end = len(target) - holdout
            if end - self.horizon < self.min_observed:
                continue
            origins, y = self.training(
                [target],
                past=None if getattr(item, "past", None) is None else [item.past],
                future=None if getattr(item, "future", None) is None else [item.future],
                static=None if getattr(item, "static", None) is None else item.static[None],
                end=[end],
            )
            pool_x.extend(origins.x)
            pool_y.extend(y)
            if origins.future is not None:
                pool_f.extend(origins.future)
            while len(pool_y) >= buffer + batch_size:
                yield batch(batch_size)
        while len(pool_y) >= batch_size:
            yield batch(batch_size)

    def unscale(self, outputs, origins):
        """Model outputs (n, horizon) or (n, horizon, q) in original units."""
        outputs = np.asarray(outputs, dtype="float64")
        extra = (slice(None), slice(None)) + (None,) * (outputs.ndim - 2)
        values = outputs * origins.scale[:, :1][extra] + origins.base[extra]
        return np.exp(values) if self.log else values

    # === Pieces ===

    def _transform(self, values):
        values = np.asarray(values, dtype="float64")
        return np.log(values) if self.log else values

    def _base(self, values):
        """The base forecast of the `horizon` steps after `values`."""
        if self.base == "last" or len(values) < self.season:
            return np.full(self.horizon, values[-1])
        steps = np.arange(self.horizon)
        back = self.season * (steps // self.season + 1)
        return values[len(values) + steps - back]

    def _ends(self, targets, end):
        if end is None:
            return [len(t) for t in targets]
        ends = np.broadcast_to(np.asarray(end), (len(targets),))
        return [min(int(e), len(t)) for e, t in zip(ends, targets, strict=True)]


def _width(arrays):
    if arrays is None:
        return 0
    return int(np.shape(arrays[0])[1]) if len(arrays) else 0


def _context(values, steps):
    """The last `steps` rows of `values` (T, k), padded on the left with the first row."""
    values = np.asarray(values, dtype="float32")
    seen = values[-steps:]
    pad = steps - len(seen)
    if pad <= 0:
        return seen
    return np.concatenate([np.repeat(seen[:1], pad, axis=0), seen])
