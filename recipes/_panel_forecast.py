"""Forecasting a panel with one global model: what `recipes.forecast` runs for
the forecasting builders (`--model mqrnn`, the default, and `--model deepar`).

The protocol is the M competitions': the last `horizon` values of every
series are its test part, forecast from the values before them. With
`backtest` K the model trains on the values before K earlier origins (each
`horizon` apart) and forecasts all K + 1 origins in one batched pass, without
refitting. Every series' windows train one model (`zoo.data.ForecastWindows`:
per-window scaling, targets relative to the last value or the seasonal naive
forecast); the forecasts are quantiles, the point forecast their median.
Series too short to be tested (fewer than `horizon + 1` values) are left out
and counted.
"""

import dataclasses

import keras
import numpy as np

import zoo
import zoo.training
from recipes import _artifacts, _io, _panel_baselines, _plots, _training
from zoo import InputError, data
from zoo.data._published import FORECASTING

POINT = 0.5  # the quantile that is the point forecast
DEEPAR_PATHS = 200  # sampled paths per series and origin
# --ensemble's default for mqrnn: (fewer training windows than this, members)
AUTO_ENSEMBLE = ((1_000, 5), (20_000, 3))


@dataclasses.dataclass
class Prepared:
    """A panel split for training and testing, with its covariates scaled."""

    ids: list
    targets: list  # 1-D arrays, whole series
    dates: list  # datetime64 arrays or None
    past: list | None
    future: list | None
    static: np.ndarray | None
    tested: np.ndarray  # indices of the series long enough to test
    skipped: list  # ids of the series too short to test
    covariates: dict  # names and scaling of every covariate, for run.json


def prepare(panel, *, horizon, model_name, covariates=None):
    """The panel's series, covariates (past, known-future with the calendar's
    features, static) standardised by their training values, and which
    series can be tested. `covariates` (a run's saved description) replays
    a run's scaling instead of fitting one."""
    series = list(panel)
    if not series:
        raise InputError(f"{panel.name}: the panel holds no series")
    ids = [s.id for s in series]
    targets = [s.target for s in series]
    dates = [s.dates for s in series]
    lengths = np.array([len(t) for t in targets])
    tested = np.flatnonzero(lengths >= horizon + 1)
    skipped = [ids[k] for k in np.flatnonzero(lengths < horizon + 1)]
    if len(tested) == 0 and covariates is None:
        raise InputError(
            f"{panel.name}: no series has the {horizon + 1} values a test needs (--horizon "
            f"{horizon} and one to start from); the longest has {lengths.max()}"
        )
    calendar = ()
    if panel.freq is not None and all(d is not None for d in dates):
        calendar = tuple(data.calendar_feature_names(panel.freq))
    if model_name == "deepar" and panel.past_names:
        raise InputError(
            f"--model deepar reads known-future and static covariates, not past ones "
            f"({', '.join(panel.past_names)}); use --model mqrnn"
        )
    saved = covariates or {}
    train_rows = [slice(0, max(1, n - horizon)) for n in lengths]
    past = future = static = None
    found = {"past": [], "future": [], "static": []}
    if panel.past_names:
        past, found["past"] = _standardised(
            [s.past for s in series], train_rows, panel.past_names, saved=saved.get("past")
        )
    if panel.future_names or calendar:
        columns = []
        for s in series:
            parts = [s.future] if s.future is not None else []
            if calendar:
                parts.append(data.calendar_features(s.dates, panel.freq))
            columns.append(np.concatenate(parts, axis=1))
        names = tuple(panel.future_names) + calendar
        future, found["future"] = _standardised(
            columns, train_rows, names, keep=set(calendar), saved=saved.get("future")
        )
    if panel.static_names:
        values = np.stack([s.static for s in series])
        static, found["static"] = _standardised(
            [values], [slice(None)], panel.static_names, saved=saved.get("static")
        )
        static = static[0]
    if covariates is not None:
        for kind in ("past", "future", "static"):
            expected = [c["name"] for c in covariates.get(kind, [])]
            have = [c["name"] for c in found[kind]]
            if expected != have:
                raise InputError(
                    f"the run's model reads {kind} covariates {expected}; the data gives {have}"
                )
    return Prepared(ids, targets, dates, past, future, static, tested, skipped, found)


def _standardised(columns, rows, names, keep=(), saved=None):
    """Per-column standardisation by the training rows of every series
    (`keep`: names left as they are, like calendar features; `saved`: a
    run's description, replayed)."""
    if saved is not None and [c["name"] for c in saved] == list(names):
        mean = np.array([c["mean"] for c in saved], dtype="float64")
        std = np.array([c["std"] for c in saved], dtype="float64")
    else:
        seen = np.concatenate([c[r] for c, r in zip(columns, rows, strict=True)])
        mean, std = np.nanmean(seen, axis=0), np.nanstd(seen, axis=0)
        for j, name in enumerate(names):
            if name in keep or not std[j] > 0:
                mean[j], std[j] = 0.0, 1.0
    scaled = [((c - mean) / std).astype("float32") for c in columns]
    description = [
        {"name": n, "mean": float(m), "std": float(d)}
        for n, m, d in zip(names, mean, std, strict=True)
    ]
    return scaled, description


def choose_windows(panel_targets, *, horizon, season, context, base, log, model_name):
    """The `zoo.data.ForecastWindows` of a run: `context` (default: two
    horizons or two seasons, whichever is longer, at least 8 steps), `base`
    ("auto": the seasonal naive forecast where there is a season above 1
    and it forecasts the training values better than the last value does,
    else the last value) and `log` ("auto": log values when every value is
    positive and the base is seasonal: multiplicative seasons become
    additive)."""
    positive = all(np.min(t) > 0 for t in panel_targets)
    seasonal = bool(season) and season > 1 and seasonal_beats_last(panel_targets, horizon, season)
    if context is None:
        context = max(8, 2 * horizon, 2 * season if seasonal else 0)
    if base == "auto":
        base = "season" if seasonal else "last"
    if model_name == "deepar":  # its inputs and targets are one quantity: the change
        base = "last"
    if log == "auto":
        log = positive and seasonal
    elif log == "log" and not positive:
        raise InputError("--transform log needs positive values; some series have values <= 0")
    else:
        log = log == "log"
    return data.ForecastWindows(
        context=context,
        horizon=horizon,
        season=season if base == "season" else None,
        base=base,
        log=log,
    )


def seasonal_beats_last(targets, horizon, season):
    """Whether, over every origin of every series' values, the seasonal naive
    forecast of the next `horizon` steps has a lower error than the last value
    (each series' errors over its mean |y|): a fixed season, like months in a
    year, passes; a trend, like GDP's, or a cycle of varying length does not."""
    steps = np.arange(horizon)
    back = season * (steps // season + 1)
    seasonal = last = 0.0
    for values in targets:
        values = np.asarray(values, dtype="float64")
        origins = np.arange(season, len(values) - horizon + 1)
        if len(origins) == 0:
            continue
        level = np.mean(np.abs(values)) or 1.0
        future = values[origins[:, None] + steps]
        seasonal += np.abs(future - values[origins[:, None] + steps - back]).mean() / level
        last += np.abs(future - values[origins - 1][:, None]).mean() / level
    return bool(seasonal < last)


# === Training ===


def train(
    prepared,
    windows,
    *,
    ends,
    model_name,
    units,
    head_units,
    dropout,
    quantiles,
    ensemble,
    seed,
    policy,
    state,
    devices,
):
    """A global `model_name` trained on every window before `ends`; returns
    (model, history, seconds, members). `ensemble` None picks the members by
    the number of windows (`AUTO_ENSEMBLE`)."""
    if model_name == "deepar":
        inputs, y = deepar_training(prepared, windows, ends=ends)
        features = inputs.shape[2]
    else:
        origins, y = windows.training(
            prepared.targets,
            past=prepared.past,
            future=prepared.future,
            static=prepared.static,
            end=ends,
        )
        inputs, features = origins.inputs, origins.x.shape[2]
    if ensemble is None:
        ensemble = auto_ensemble(len(y), model_name)
    print(
        f"{len(y)} training windows of {windows.context} steps x {features} inputs -> "
        f"{windows.horizon} steps; {ensemble} member(s); backend {keras.backend.backend()}"
    )

    def build():
        if model_name == "deepar":
            model = zoo.deepar((None, features), units=units, dropout=dropout)
            loss = zoo.losses.StudentTLoss()
        else:
            model = zoo.mqrnn(
                (windows.context, features),
                horizon=windows.horizon,
                quantiles=quantiles,
                future_features=0 if prepared.future is None else prepared.future[0].shape[1],
                units=units,
                dropout=dropout,
                **({"head_units": head_units} if head_units else {}),
            )
            loss = zoo.losses.QuantileLoss(quantiles)
        return zoo.training.compile(model, policy, loss=loss)

    model, history, seconds, _ = _training.ensemble(
        build,
        lambda model, member_state: _training.train(
            model, inputs, y, None, policy=policy, state=member_state, devices=devices
        ),
        members=ensemble,
        seed=seed,
        state=state,
    )
    return model, history, seconds, ensemble


def auto_ensemble(windows, model_name):
    """The members of `--ensemble`'s default: an average of seeds cuts the
    variance that few windows leave, and costs least where windows are few.
    DeepAR's members would average distribution parameters, which is not their
    mixture: one member."""
    if model_name == "deepar":
        return 1
    return next((members for below, members in AUTO_ENSEMBLE if windows < below), 1)


def forecast(model, prepared, windows, *, series, origin, quantiles, model_name, seed):
    """Quantile forecasts (n, horizon, q) in original units at each (series,
    origin). Where every value the model saw is 0 or more (counts, sales),
    so are the forecasts."""
    if model_name == "deepar":
        found = deepar_forecast(
            model, prepared, windows, series=series, origin=origin, quantiles=quantiles, seed=seed
        )
    else:
        origins = windows.origins(
            prepared.targets,
            past=prepared.past,
            future=prepared.future,
            static=prepared.static,
            series=series,
            origin=origin,
        )
        outputs = model.predict(origins.inputs, verbose=0, batch_size=1024)
        found = np.sort(windows.unscale(outputs, origins), axis=-1)
    if all(np.min(prepared.targets[s][:o]) >= 0 for s, o in zip(series, origin, strict=True)):
        found = np.maximum(found, 0.0)
    return found


# === DeepAR: sequences and ancestral sampling ===


def _deepar_sequences(prepared, windows, series, origin, future_values=None):
    """DeepAR inputs of length context + horizon at each origin: the lagged
    scaled target and its observed flag, the log level, then known-future and
    static covariates at each step; the horizon's lagged targets are filled
    in by `future_values` (n, horizon) scaled, or left 0."""
    found = windows.origins(
        prepared.targets,
        future=prepared.future,
        static=prepared.static,
        series=series,
        origin=origin,
    )
    c, h = windows.context, windows.horizon
    n, _, width = found.x.shape
    sequence = np.zeros((n, c + h, width), dtype="float32")
    # step t reads the value of step t - 1 (the first context step reads itself)
    sequence[:, 1:c, :2] = found.x[:, :-1, :2]
    sequence[:, 0, :2] = found.x[:, 0, :2]
    sequence[:, c, 0] = found.x[:, -1, 0]
    sequence[:, c, 1] = 1.0
    sequence[:, :, 2] = found.x[:, :1, 2]
    if prepared.future is not None:
        k = found.future.shape[2]
        sequence[:, :c, 3 : 3 + k] = found.x[:, :, 3 : 3 + k]
        sequence[:, c:, 3 : 3 + k] = found.future
    if prepared.static is not None:
        sequence[:, :, width - prepared.static.shape[1] :] = found.x[
            :, :1, width - prepared.static.shape[1] :
        ]
    if future_values is not None:
        sequence[:, c + 1 :, 0] = future_values[:, :-1]
        sequence[:, c + 1 :, 1] = 1.0
    return sequence, found


def deepar_training(prepared, windows, *, ends):
    """DeepAR's training sequences and targets: every window's context (the
    observed steps) and horizon, scaled as the inputs are (NaN: not scored)."""
    origins, y = windows.training(
        prepared.targets, future=prepared.future, static=prepared.static, end=ends
    )
    sequence, found = _deepar_sequences(
        prepared, windows, origins.series, origins.origin, future_values=y
    )
    context = np.where(found.x[:, :, 1] > 0, found.x[:, :, 0], np.nan)
    context[:, 0] = np.nan  # the first step reads its own value
    return sequence, np.concatenate([context, y], axis=1).astype("float32")


def deepar_forecast(model, prepared, windows, *, series, origin, quantiles, seed):
    """Quantiles of `DEEPAR_PATHS` ancestral sample paths per origin."""
    rng = np.random.default_rng(seed)
    sequence, found = _deepar_sequences(prepared, windows, series, origin)
    c, h = windows.context, windows.horizon
    paths = np.repeat(sequence, DEEPAR_PATHS, axis=0)
    drawn = np.zeros((len(paths), h))
    for step in range(h):
        params = model.predict(paths[:, : c + step + 1], verbose=0, batch_size=4096)
        drawn[:, step] = zoo.losses.sample("student_t", params[:, -1].astype("float64"), rng)
        if step + 1 < h:
            paths[:, c + step + 1, 0] = drawn[:, step]
            paths[:, c + step + 1, 1] = 1.0
    drawn = drawn.reshape(len(sequence), DEEPAR_PATHS, h)
    levels = np.quantile(drawn, quantiles, axis=1).transpose(1, 2, 0)  # (n, h, q)
    return np.sort(windows.unscale(levels, found), axis=-1)


# === Evaluation ===


def origins_of(prepared, horizon, backtest):
    """(series, origin, round) of the test origin (round 0) and the
    `backtest` earlier ones (round k: k horizons earlier), for every tested
    series with a value before the origin."""
    rows = []
    for k in range(backtest + 1):
        for s in prepared.tested:
            at = len(prepared.targets[s]) - horizon * (k + 1)
            if at >= 1:
                rows.append((s, at, k))
    return np.array(rows)


def evaluate(predicted, prepared, rows, *, horizon, season, levels):
    """The metrics of the model's quantiles `predicted` (n, h, q) at `rows`,
    per round (0: the test origin)."""
    results = {}
    for k in np.unique(rows[:, 2]):
        chosen = np.flatnonzero(rows[:, 2] == k)
        actual, history = _actuals(prepared, rows[chosen], horizon)
        q = [predicted[i] for i in chosen]
        point = [p[:, levels.index(POINT)] for p in q]
        results[int(k)] = zoo.metrics.scores(actual, point, q, levels, history, season)
    return results


def _actuals(prepared, rows, horizon):
    actual = [prepared.targets[s][o : o + horizon] for s, o, _ in rows]
    history = [prepared.targets[s][:o] for s, o, _ in rows]
    return actual, history


def score_baselines(names, prepared, rows, *, horizon, season, levels):
    """{name: metrics per round} of every classical baseline at `rows`, and
    {name: its test-origin quantiles}."""
    results, test_quantiles = {}, {}
    for k in np.unique(rows[:, 2]):
        chosen = rows[rows[:, 2] == k]
        actual, history = _actuals(prepared, chosen, horizon)
        for name, (point, q) in _panel_baselines.forecasts(
            names, history, horizon, season, levels
        ).items():
            results.setdefault(name, {})[int(k)] = zoo.metrics.scores(
                actual, point, q, levels, history, season
            )
            if k == 0:
                test_quantiles[name] = q
    return results, test_quantiles


def calibrate_quantiles(predicted, prepared, rows, *, horizon, levels):
    """Conformal calibration on the backtest origins (rounds >= 1): each
    quantile of each step moves by the empirical quantile of the scaled
    errors past it, so that on the backtest each level is met exactly
    (split conformal quantile regression, Romano et al. 2019). Returns the
    calibrated forecasts of every row."""
    back = np.flatnonzero(rows[:, 2] >= 1)
    if len(back) == 0:
        raise InputError("--calibrate needs --backtest 1 or more (its origins calibrate)")
    scale = np.array([np.mean(np.abs(prepared.targets[s][:o])) or 1.0 for s, o, _ in rows])
    actual = np.stack([prepared.targets[s][o : o + horizon] for s, o, _ in rows[back]])
    errors = (actual[:, :, None] - predicted[back]) / scale[back, None, None]  # (n, h, q)
    shift = np.zeros((horizon, len(levels)))
    for j, level in enumerate(levels):
        shift[:, j] = np.quantile(errors[:, :, j], level, axis=0)
    calibrated = predicted + shift[None] * scale[:, None, None]
    return np.sort(calibrated, axis=-1)


# === Output ===


def forecast_rows(prepared, rows, predicted, levels, *, horizon, with_round=False):
    """One CSV row per series, origin and step: series, date, actual,
    forecast and each quantile (and the origin's round for backtests)."""
    out = []
    point = levels.index(POINT)
    for (s, o, k), q in zip(rows, predicted, strict=True):
        dates = _dates(prepared, s, o, horizon)
        actual = prepared.targets[s][o : o + horizon]
        for h in range(horizon):
            value = actual[h] if h < len(actual) else ""
            row = [prepared.ids[s], dates[h], value, q[h, point], *q[h]]
            out.append(([int(k)] if with_round else []) + row)
    return out


def header(levels, *, with_round=False):
    return (["origin"] if with_round else []) + [
        "series",
        "date",
        "actual",
        "forecast",
        *[f"q{level:g}" for level in levels],
    ]


def _dates(prepared, s, origin, horizon):
    """The dates of the `horizon` steps after `origin` (step numbers without dates)."""
    dates = prepared.dates[s]
    if dates is None:
        return [str(origin + h) for h in range(horizon)]
    known = [str(np.datetime_as_string(d, unit="D")) for d in dates]
    return [known[origin + h] if origin + h < len(known) else "" for h in range(horizon)]


def write_future(path, prepared, series, predicted, levels, *, freq):
    """forecast.csv: each series' quantiles (n, steps, q) for the steps after its data."""
    point = levels.index(POINT)
    steps = predicted.shape[1]
    _io.write_csv(
        path,
        ["series", "date", "forecast", *[f"q{level:g}" for level in levels]],
        [
            [prepared.ids[s], date, q[h, point], *q[h]]
            for s, q in zip(series, predicted, strict=True)
            for h, date in enumerate(future_dates(prepared, s, freq, steps))
        ],
    )


def future_dates(prepared, s, freq, count):
    dates = prepared.dates[s]
    if dates is None or freq is None:
        n = len(prepared.targets[s])
        return [str(n + h) for h in range(count)]
    return [str(np.datetime_as_string(d, unit="D")) for d in data.extend_dates(dates, freq, count)]


def fan_chart(path, prepared, rows, predicted, levels, *, horizon, title, count=6):
    """The test forecast of up to `count` series: history, actual values, the
    median and the 80% and 95% intervals."""
    chosen = [i for i, (_, _, k) in enumerate(rows) if k == 0][:count]
    figure = _plots.new_figure(nrows=(len(chosen) + 1) // 2, ncols=2, width=6, height=2.6)
    for ax in figure.axes[len(chosen) :]:
        ax.set_visible(False)
    for ax, i in zip(figure.axes, chosen, strict=False):
        s, o, _ = rows[i]
        values = prepared.targets[s]
        start = max(0, o - 4 * horizon)
        steps = np.arange(len(values))
        ax.plot(steps[start:o], values[start:o], color="black", lw=1, label="history")
        ahead = steps[o : o + horizon]
        ax.plot(ahead, values[o : o + horizon], color="black", lw=1, ls="--", label="actual")
        q = predicted[i]
        for low, high, alpha in ((0.025, 0.975, 0.2), (0.1, 0.9, 0.35)):
            if low in levels and high in levels:
                ax.fill_between(
                    ahead[: len(q)],
                    q[: len(ahead), levels.index(low)],
                    q[: len(ahead), levels.index(high)],
                    color="tab:blue",
                    alpha=alpha,
                    lw=0,
                    label=f"{round((high - low) * 100)}% interval",
                )
        ax.plot(
            ahead, q[: len(ahead), levels.index(POINT)], color="tab:blue", lw=1.5, label="median"
        )
        ax.set_title(str(prepared.ids[s]), fontsize=9)
        ax.grid(alpha=0.3)
    if chosen:
        figure.axes[0].legend(fontsize=7, loc="upper left")
    figure.suptitle(title, fontsize=10)
    _plots.save_figure(path, figure)


def write_forecasts(path, prepared, rows, predicted, levels, *, horizon, with_round=False):
    _io.write_csv(
        path,
        header(levels, with_round=with_round),
        forecast_rows(prepared, rows, predicted, levels, horizon=horizon, with_round=with_round),
    )


# === The recipe ===

# The season a frequency implies when neither --season nor the data says
SEASONS = {"MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "W": 52, "D": 7, "B": 5, "h": 24}
BUNDLED = {"target": ("SUNACTIVITY",), "date_column": "YEAR", "season": 11}
METRICS = (
    "test_mase",
    "test_smape",
    "test_rmse",
    "test_wql",
    "test_msis",
    "test_coverage_80",
    "test_coverage_95",
)


def load(*, data_path, dataset_name, target, id_column, date_column, past, future, static, fill):
    """The panel of `--data` (a long or wide CSV), `--dataset` (a panel or
    series aeon ships) or, with neither, the bundled sunspots; its
    description; and how it was read (what `recipes.predict` replays on a
    CSV file: None for a --dataset)."""
    if dataset_name:
        if past or future or static:
            raise InputError("--dataset panels have no covariate columns; use --data")
        if dataset_name in data.PANELS or dataset_name.removesuffix("_dataset") in data.PANELS:
            panel = data.load_published_panel(dataset_name)
            return panel, f"{panel.name} (aeon's copy of the Monash file)", None
        if dataset_name not in FORECASTING:
            raise InputError(
                f"--dataset {dataset_name!r} is not a forecasting set aeon ships; the panels: "
                f"{list(data.PANELS)}; the single series: {list(FORECASTING)}"
            )
        values, season, unit = data.load_published_series(dataset_name)
        panel = data.panel_from_arrays([values[:, 0]], ids=[dataset_name])
        panel.season, panel.name = season, dataset_name
        return panel, f"{dataset_name} (aeon, one value per {unit})", None
    bundled = data_path is None
    path = data.sunspots_path() if bundled else data_path
    if bundled and not target:
        target, date_column = BUNDLED["target"], date_column or BUNDLED["date_column"]
    if not target:
        raise InputError("--target is required with --data: the column(s) to forecast")
    reading = {
        "target": list(target),
        "id_column": id_column,
        "date_column": date_column,
        "past": list(past),
        "future": list(future),
        "static": list(static),
        "fill": fill,
    }
    panel = read(path, reading)
    if bundled:
        panel.season = BUNDLED["season"]
    return panel, "sunspots (bundled)" if bundled else str(path), reading


def read(path, reading):
    """A CSV panel read as `reading` (from `load`, or a run's run.json) says."""
    target = reading["target"]
    if reading["id_column"] and len(target) != 1:
        raise InputError(f"--id-column takes one --target column, got {', '.join(target)}")
    return data.read_panel(
        path,
        target=target[0] if reading["id_column"] else tuple(target),
        id_column=reading["id_column"],
        date_column=reading["date_column"],
        past=tuple(reading["past"]),
        future=tuple(reading["future"]),
        static=tuple(reading["static"]),
        fill=reading["fill"],
    )


def run(
    *,
    policy,
    state,
    devices,
    recipe,
    flags,
    data_path,
    dataset_name,
    target,
    id_column,
    date_column,
    fill,
    past,
    future,
    static,
    horizon,
    season,
    context,
    predict,
    transform,
    model_name,
    units,
    head_units,
    dropout,
    levels,
    backtest,
    calibrate,
    baselines,
    forecast_steps,
    ensemble,
    seed,
    out,
    exports,
):
    """The panel forecasting recipe from its flags (see `recipes.forecast`)."""
    panel, description, reading = load(
        data_path=data_path,
        dataset_name=dataset_name,
        target=target,
        id_column=id_column,
        date_column=date_column,
        past=past,
        future=future,
        static=static,
        fill=fill,
    )
    season = season or panel.season or SEASONS.get(panel.freq) or 1
    horizon = horizon or panel.horizon or (season if season > 1 else 1)
    unknown = sorted(set(baselines) - set(_panel_baselines.NAMES))
    if unknown:
        raise InputError(f"--baselines: unknown {unknown}; expected {list(_panel_baselines.NAMES)}")
    prepared = prepare(panel, horizon=horizon, model_name=model_name)
    windows = choose_windows(
        [prepared.targets[k][:-horizon] for k in prepared.tested],
        horizon=horizon,
        season=season,
        context=context,
        base={"auto": "auto", "seasonal": "season", "change": "last"}[predict],
        log=transform,
        model_name=model_name,
    )
    if forecast_steps and forecast_steps > horizon and model_name == "mqrnn":
        raise InputError(
            f"--forecast {forecast_steps} is beyond --horizon {horizon}, which --model mqrnn "
            "forecasts at once; forecast at most --horizon steps, or raise --horizon"
        )
    if forecast_steps and panel.future_names:
        raise InputError(
            "--forecast needs the --future-covariates past the end of the data, which the "
            "data does not hold"
        )
    rows = origins_of(prepared, horizon, backtest)
    ends = [len(t) for t in prepared.targets]
    for s, o, _ in rows:
        ends[s] = min(ends[s], int(o))
    print(
        f"{description}: {len(prepared.targets)} series ({len(prepared.skipped)} too short "
        f"to test), horizon {horizon}, season {season}, {backtest} backtest origin(s); "
        f"context {windows.context} steps, targets relative to the "
        f"{'seasonal naive forecast' if windows.base == 'season' else 'last value'}"
        f"{', log values' if windows.log else ''}"
    )
    model, history, seconds, ensemble = train(
        prepared,
        windows,
        ends=ends,
        model_name=model_name,
        units=units,
        head_units=head_units,
        dropout=dropout,
        quantiles=levels,
        ensemble=ensemble,
        seed=seed,
        policy=policy,
        state=state,
        devices=devices,
    )
    predicted = forecast(
        model,
        prepared,
        windows,
        series=rows[:, 0],
        origin=rows[:, 1],
        quantiles=levels,
        model_name=model_name,
        seed=seed,
    )
    if calibrate:
        predicted = calibrate_quantiles(predicted, prepared, rows, horizon=horizon, levels=levels)
    results = evaluate(predicted, prepared, rows, horizon=horizon, season=season, levels=levels)
    reference, _ = score_baselines(
        baselines, prepared, rows, horizon=horizon, season=season, levels=levels
    )

    # === Report ===
    name = _training.display_name(model_name, ensemble)
    table = [{"name": name, **results[0]}]
    table += [{"name": n, **per_round[0]} for n, per_round in reference.items()]
    tested = len(prepared.tested)
    _plots.print_table(
        f"Test: the last {horizon} steps of {tested} series (sMAPE in %)", table, METRICS
    )
    if backtest:
        print(f"Backtest, {backtest} earlier origins (mean): model " + _summary(results))
    written = {"test": rows[:, 2] == 0, "backtest": rows[:, 2] >= 1}
    write_forecasts(
        out / "test_forecasts.csv",
        prepared,
        rows[written["test"]],
        predicted[written["test"]],
        levels,
        horizon=horizon,
    )
    if backtest:
        write_forecasts(
            out / "backtest_forecasts.csv",
            prepared,
            rows[written["backtest"]],
            predicted[written["backtest"]],
            levels,
            horizon=horizon,
            with_round=True,
        )
    fan_chart(
        out / "forecasts.png",
        prepared,
        rows,
        predicted,
        levels,
        horizon=horizon,
        title=f"{name}: test forecasts, median and 80% / 95% intervals",
    )
    if forecast_steps:
        at = np.array([len(prepared.targets[k]) for k in prepared.tested])
        future_rows = np.stack([prepared.tested, at, np.zeros_like(at)], axis=1)
        ahead = forecast(
            model,
            prepared,
            windows,
            series=future_rows[:, 0],
            origin=future_rows[:, 1],
            quantiles=levels,
            model_name=model_name,
            seed=seed,
        )[:, :forecast_steps]
        write_future(
            out / "forecast.csv", prepared, future_rows[:, 0], ahead, levels, freq=panel.freq
        )
    metrics = {
        **results[0],
        "baselines": {n: per_round[0] for n, per_round in reference.items()},
        "model": model_name,
        "ensemble": ensemble,
        "dataset": description,
        "task": "forecasting",
        "series": len(prepared.targets),
        "tested_series": tested,
        "skipped_series": prepared.skipped,
        "horizon": horizon,
        "season": season,
        "context": windows.context,
        "base": windows.base,
        "log": windows.log,
        "quantiles": levels,
        "calibrated": calibrate,
        "epochs_run": len(history.get("epoch", [])),
        "train_seconds": round(seconds, 2),
        **_artifacts.environment(seed, devices),
    }
    if backtest:
        metrics["backtest"] = {
            "origins": backtest,
            "model": _mean_rounds(results),
            "baselines": {n: _mean_rounds(r) for n, r in reference.items()},
        }
    run = {
        "recipe": recipe,
        "task": "panel-forecasting",
        "model": model_name,
        "flags": flags,
        "input": {"reading": reading, "dataset": dataset_name, "freq": panel.freq},
        "preparation": {
            "context": windows.context,
            "horizon": horizon,
            "season": season,
            "base": windows.base,
            "log": windows.log,
            "quantiles": levels,
            "covariates": prepared.covariates,
            "calibration": None,
        },
    }
    _artifacts.save_run(
        out,
        model,
        history,
        metrics,
        curve_metric=None,
        run=run,
        exports=exports,
        timesteps=windows.context + horizon,  # deepar reads any length; the files take this
    )


def _mean_rounds(per_round):
    """Each metric's mean over the backtest rounds (>= 1)."""
    rounds = [values for k, values in per_round.items() if k >= 1]
    return {
        key: (
            None
            if any(r[key] is None for r in rounds)
            else float(np.mean([r[key] for r in rounds]))
        )
        for key in rounds[0]
    }


def _summary(results):
    mean = _mean_rounds(results)
    return ", ".join(f"{k.removeprefix('test_')} {v:.4g}" for k, v in mean.items() if v is not None)
