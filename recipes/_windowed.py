"""Forecasting one table of series by windows: `window` past rows of the
target (and feature) columns predict the next `horizon` rows of the targets,
with a chronological split, scalers fit on training rows only, and every
metric in original units beside persistence, seasonal-naive, linear-model and
exponential-smoothing baselines. `recipes.forecast` runs it for the
regressor builders (`--model stacked_lstm`, ...)."""

import keras
import numpy as np

from recipes import _cli, _data, _forecasting, _io, _regression, _run, _training
from zoo import InputError, data

BUNDLED = {"target": "SUNACTIVITY", "date_column": "YEAR", "season": 11}


def forecast(
    *,
    bidirectional,
    data_path,
    dataset_name,
    date_column,
    devices,
    dropout,
    ensemble,
    features,
    fill,
    forecast_rows,
    head_units,
    horizon,
    model_name,
    out,
    policy,
    predict,
    scaler_flag,
    season,
    seed,
    state,
    stride,
    target,
    test_size,
    transform,
    units,
    val_size,
    window,
):
    if dataset_name:
        values, season_found, unit = data.load_published_series(dataset_name)
        table = data.SeriesTable(
            path=dataset_name, names=[dataset_name], values={dataset_name: values[:, 0]}
        )
        dataset, target = f"{dataset_name} (aeon, one row per {unit})", (dataset_name,)
        season = season or season_found
    else:
        bundled = not data_path
        table, dataset, target = _data.series_table(
            data_path,
            date_column=date_column or (BUNDLED["date_column"] if bundled else None),
            fill=fill,
            target=target or ((BUNDLED["target"],) if bundled else None),
            default=lambda: (data.load_sunspots(), "sunspots (bundled)"),
        )
        if bundled:
            date_column, season = BUNDLED["date_column"], season or BUNDLED["season"]
    overlap = set(features) & set(target)
    if overlap:
        raise InputError(f"--features repeats target column(s) {sorted(overlap)}")
    targets = table.columns(list(target), "--target")
    inputs = table.columns(list(target) + list(features), "--features")
    train_rows = data.chronological_split(len(targets), test_size, val_size)[0]
    if season is not None and season >= train_rows:
        raise InputError(
            f"--season {season} is not shorter than the {train_rows} training rows (of "
            f"{len(targets)} rows)"
        )
    seasonal = bool(season) and _forecasting.seasonal_beats_persistence(
        targets[:train_rows], horizon, season
    )
    predict = predict if predict != "auto" else ("seasonal" if seasonal else "change")
    transform = None if transform == "none" else transform
    if transform == "auto":
        positive = min(inputs.min(), targets.min()) > 0
        transform = "log" if seasonal and positive else None
    if predict == "seasonal" and not season:
        raise InputError("--predict seasonal needs --season")
    split = data.forecasting_data(
        inputs,
        targets,
        window=window,
        horizon=horizon,
        stride=stride,
        test_size=test_size,
        val_size=val_size,
        scaler=_cli.scaler_kind(scaler_flag),
        predict=predict,
        season=season,
        transform=transform,
    )
    if len(split.x_val) == 0:
        raise InputError("no validation windows: raise --val-size for early stopping")
    if season is not None:
        _forecasting.seasonal_naive(targets, split.rows_test, horizon, season)  # checks reach
    n_targets = targets.shape[1]
    print(
        f"{dataset}: {len(targets)} rows; {len(split.x_train)} train, {len(split.x_val)} "
        f"validation, {len(split.x_test)} test windows of {window} steps x "
        f"{inputs.shape[1]} inputs -> {horizon} steps x {n_targets} targets; "
        f"backend {keras.backend.backend()}"
    )
    model, history, seconds = _regression.train(
        split.x_train,
        _flat(split.y_train),
        (split.x_val, _flat(split.y_val)),
        input_shape=(window, inputs.shape[1]),
        outputs=horizon * n_targets,
        masking=False,
        policy=policy,
        state=state,
        devices=devices,
        bidirectional=bidirectional,
        dropout=dropout,
        ensemble=ensemble,
        head_units=head_units,
        model_name=model_name,
        seed=seed,
        units=units,
    )

    # validation and test windows in one call: the test part is scored, both are plotted
    both = model.predict(np.concatenate([split.x_val, split.x_test]), verbose=0)
    both = both.reshape(len(both), horizon, n_targets)
    predicted_val = split.original(both[: len(split.x_val)], "val")
    predicted = split.original(both[len(split.x_val) :], "test")
    true = split.original(split.y_test, "test")
    references = _forecasting.baselines(split, targets, horizon, season)
    scale = _forecasting.mase_scale(targets[: split.train_end], season)
    results = _forecasting.scores(true, predicted, scale)
    reference = {name: _forecasting.scores(true, v, scale) for name, v in references.items()}
    extra = {
        "test_rmse_per_step": _forecasting.rmse_per_step(true, predicted),
        "window": window,
        "horizon": horizon,
        "season": season,
        "predict": predict,
        "transform": transform,
        "target": list(target),
        "features": list(features),
        "test_windows": len(true),
    }
    times = table.dates if table.dates is not None else np.arange(len(targets)).astype(str)
    _io.write_csv(
        out / "predictions.csv",
        ["time", "target", "step", "true", "predicted"],
        [
            (times[r + h], name, h + 1, true[i, h, k], predicted[i, h, k])
            for i, r in enumerate(split.rows_test)
            for h in range(horizon)
            for k, name in enumerate(target)
            if r + h < len(times)
        ],
    )
    _forecasting.plot(
        out / "forecast.png",
        split,
        targets,
        times,
        (predicted_val, predicted, references["persistence"]),
        names=target,
        x_label=date_column or "row",
    )
    if forecast_rows:  # beyond --horizon only without --features (parse_args)
        future = _forecasting.beyond(model, split, window, horizon, forecast_rows)
        future_times = _forecasting.future_times(times, forecast_rows)
        _io.write_csv(
            out / "forecast.csv",
            ["step", "time", *target],
            [(i + 1, future_times[i], *row) for i, row in enumerate(future)],
        )
    run = {
        "task": "forecasting",
        "input": {
            "window": window,
            "columns": list(target) + list(features),
            "date_column": date_column,
            "fill": fill,
        },
        "preparation": {
            "target": list(target),
            "features": list(features),
            "horizon": horizon,
            "predict": predict,
            "season": season,
            "transform": transform,
            "input_scaler": _run.scaler_state(split.input_scaler),
            "target_scaler": _run.scaler_state(split.target_scaler),
        },
    }
    return _regression.Outcome(
        _training.display_name(model_name, ensemble),
        model,
        dataset,
        history,
        seconds,
        results,
        reference,
        extra,
        run,
    )


def _flat(windows):
    """(n, horizon, targets) as (n, horizon * targets), the model's output layout."""
    return windows.reshape(len(windows), -1)
