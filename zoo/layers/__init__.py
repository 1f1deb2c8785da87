"""Layers of lstm-zoo, each registered for serialization under the package "zoo"."""

from zoo.layers.attention import AttentionPooling
from zoo.layers.decoder import Reverse, SequenceDecoder
from zoo.layers.lstm import LSTM
from zoo.layers.masking import StepMask, ZeroMaskedSteps
from zoo.layers.squeeze_excite import SqueezeExcite
from zoo.layers.variants import VARIANTS, LSTMVariantCell

__all__ = [
    "LSTM",
    "VARIANTS",
    "LSTMVariantCell",
    "AttentionPooling",
    "Reverse",
    "SequenceDecoder",
    "SqueezeExcite",
    "StepMask",
    "ZeroMaskedSteps",
]
