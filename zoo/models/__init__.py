"""Model builders, one file per family. Importing a file registers its builders."""

from zoo.models.lstm import lstm, stacked_lstm

__all__ = ["lstm", "stacked_lstm"]
