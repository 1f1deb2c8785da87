"""Data: loaders for `.npz`, `.csv` and UCR/UEA `.ts` files, preparation, bundled and
generated sets, forecasting windows and anomaly scoring.

Every check raises `zoo.InputError` (a `ValueError`) naming the file and line,
or the argument.
"""

from zoo.data._anomaly import ANOMALY_METRICS, detection, part_windows, row_scores, touches
from zoo.data._checks import check_finite, check_finite_targets
from zoo.data._files import check_compatible, load, load_csv, load_npz, load_ts
from zoo.data._forecast_windows import BASES, ForecastWindows, Origins
from zoo.data._panel import (
    PANELS,
    Panel,
    Series,
    calendar_feature_names,
    calendar_features,
    extend_dates,
    iter_csv_panel,
    load_published_panel,
    panel_from_arrays,
    read_panel,
    read_tsf,
)
from zoo.data._prepare import MASK_VALUE, flatten_for_baseline, lengths, prepare, same_length
from zoo.data._published import load_published, load_published_series
from zoo.data._series import (
    PREDICT,
    SCALERS,
    TRANSFORMS,
    Forecasting,
    chronological_parts,
    chronological_split,
    forecasting_data,
    forecasting_windows,
    make_scaler,
    relative,
    seasonal_sources,
    windows,
)
from zoo.data._synthetic import ANOMALY_KINDS, make_anomaly_series
from zoo.data._tables import FILLS, SeriesTable, read_series_csv
from zoo.data.bundled import load_digits, load_sunspots, sunspots_path

__all__ = [
    "ANOMALY_KINDS",
    "ANOMALY_METRICS",
    "make_anomaly_series",
    "FILLS",
    "PREDICT",
    "TRANSFORMS",
    "seasonal_sources",
    "SCALERS",
    "same_length",
    "Forecasting",
    "SeriesTable",
    "check_finite",
    "check_finite_targets",
    "chronological_parts",
    "chronological_split",
    "detection",
    "forecasting_data",
    "forecasting_windows",
    "make_scaler",
    "part_windows",
    "read_series_csv",
    "relative",
    "row_scores",
    "touches",
    "windows",
    "load_sunspots",
    "sunspots_path",
    "MASK_VALUE",
    "check_compatible",
    "flatten_for_baseline",
    "lengths",
    "load",
    "load_csv",
    "load_digits",
    "load_npz",
    "load_ts",
    "prepare",
    "load_published",
    "load_published_series",
    "PANELS",
    "Panel",
    "Series",
    "calendar_feature_names",
    "calendar_features",
    "extend_dates",
    "iter_csv_panel",
    "load_published_panel",
    "panel_from_arrays",
    "read_panel",
    "read_tsf",
    "BASES",
    "ForecastWindows",
    "Origins",
]
