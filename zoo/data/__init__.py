"""Data: loaders for `.npz`, `.csv` and UCR/UEA `.ts` files, preparation, bundled sets."""

from zoo.data._files import check_compatible, load, load_csv, load_npz, load_ts
from zoo.data._prepare import MASK_VALUE, flatten_for_baseline, lengths, prepare
from zoo.data.bundled import load_digits

__all__ = [
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
]
