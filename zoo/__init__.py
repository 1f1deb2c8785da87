"""lstm-zoo: LSTM models written once in Keras 3, for TensorFlow, JAX and PyTorch."""

from zoo import data, inspect, layers, losses, metrics, training
from zoo._errors import InputError
from zoo._registry import get_model, list_models
from zoo.export import export
from zoo.models import (
    deepar,
    lstm,
    lstm_autoencoder,
    lstm_fcn,
    mlstm_fcn,
    mqrnn,
    stacked_lstm,
)

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "data",
    "deepar",
    "export",
    "get_model",
    "inspect",
    "layers",
    "list_models",
    "losses",
    "metrics",
    "lstm",
    "lstm_autoencoder",
    "lstm_fcn",
    "mlstm_fcn",
    "mqrnn",
    "stacked_lstm",
    "training",
]
