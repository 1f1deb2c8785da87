"""Model builders, one file per family. Importing a file registers its builders."""

from zoo.models._base import SequenceModel
from zoo.models.autoencoder import lstm_autoencoder
from zoo.models.fcn import lstm_fcn, mlstm_fcn
from zoo.models.forecasting import deepar, mqrnn
from zoo.models.lstm import lstm, stacked_lstm

__all__ = [
    "SequenceModel",
    "deepar",
    "lstm",
    "lstm_autoencoder",
    "lstm_fcn",
    "mlstm_fcn",
    "mqrnn",
    "stacked_lstm",
]
