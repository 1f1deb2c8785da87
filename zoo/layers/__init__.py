"""Layers of lstm-zoo, each registered for serialization under the package "zoo"."""

from zoo.layers.decoder import Reverse, SequenceDecoder
from zoo.layers.lstm import LSTM

__all__ = ["LSTM", "Reverse", "SequenceDecoder"]
