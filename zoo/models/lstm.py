"""Plain and stacked LSTM classifiers, regressors and feature extractors."""

import keras

from zoo import _checks
from zoo._errors import InputError
from zoo._registry import register_model
from zoo.layers import LSTM
from zoo.layers.variants import check_variant
from zoo.models._base import SequenceModel, head_output

HEADS = ("classification", "regression", None)

_SHARED_DOC = """
    Args:
        input_shape: tuple `(timesteps, features)`. `timesteps=None` accepts
            sequences of any length (pad batches and set `masking=True`).
        units: {units_doc}
        head: `"classification"`, `"regression"` or `None`. Classification
            ends in a softmax over `num_classes`, regression in a linear
            layer of `num_outputs`; `None` returns the feature extractor (the
            last LSTM's output).
        num_classes: int >= 2. Number of classes of a classification head.
        num_outputs: int. Number of values a regression head predicts.
        return_sequences: bool. If True, the last LSTM returns every step and
            the head is applied at every step.
        bidirectional: bool. Wrap every LSTM in `keras.layers.Bidirectional`
            (outputs of both directions concatenated).
        dropout: float in [0, 1). Dropout after each LSTM layer and each
            hidden head layer.
        recurrent_dropout: float in [0, 1). Dropout on the recurrent state
            inside each LSTM (turns off the fused kernels).
        masking: bool. Start with `keras.layers.Masking(mask_value)` so that
            padded steps are skipped.
        mask_value: float. The value that marks a padded step.
        head_units: tuple of int. Hidden ReLU `Dense` layers before the
            output layer.
        variant: str. The LSTM cell of every layer, one of Greff et al.'s
            (2017) variants (see `zoo.layers.LSTM`): "np" (the standard cell,
            default), "vanilla", "nig", "nfg", "nog", "niaf", "noaf",
            "cifg", "fgr".
        name: str. Model name; defaults to the builder's name.

    Returns:
        An uncompiled `keras.Model`.
"""


def _build(
    input_shape,
    units,
    *,
    head,
    num_classes,
    num_outputs,
    return_sequences,
    bidirectional,
    dropout,
    recurrent_dropout,
    masking,
    mask_value,
    head_units,
    variant,
    name,
):
    # === Checks: every argument, before any layer exists ===
    timesteps, features = _checks.check_input_shape(input_shape)
    units = _checks.check_units("units", units)
    head, num_outputs = _checks.check_head(head, num_classes, num_outputs, HEADS)
    dropout = _checks.check_rate("dropout", dropout)
    recurrent_dropout = _checks.check_rate("recurrent_dropout", recurrent_dropout)
    head_units = _checks.check_units("head_units", head_units, allow_empty=True)
    variant = check_variant(variant)
    if head is None and head_units:
        raise InputError(
            "`head_units` needs a head; with head=None the model is the "
            f"feature extractor. Received: head_units={head_units!r}"
        )

    # === Layers ===
    inputs = keras.Input(shape=(timesteps, features), name="sequence")
    x = inputs
    if masking:
        x = keras.layers.Masking(mask_value=float(mask_value), name="masking")(x)
    for i, width in enumerate(units, start=1):
        is_last = i == len(units)
        rnn = LSTM(
            width,
            return_sequences=return_sequences or not is_last,
            recurrent_dropout=recurrent_dropout,
            variant=variant,
            name=f"lstm_{i}",
        )
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        x = rnn(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    for j, width in enumerate(head_units, start=1):
        x = keras.layers.Dense(width, activation="relu", name=f"head_dense_{j}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"head_dropout_{j}")(x)
    x = head_output(x, head, num_classes, num_outputs)

    # === Functional Model ===
    return SequenceModel(inputs, x, name=name)


@register_model()
def lstm(
    input_shape,
    units=64,
    *,
    head="classification",
    num_classes=None,
    num_outputs=1,
    return_sequences=False,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    masking=False,
    mask_value=0.0,
    head_units=(),
    variant="np",
    name=None,
):
    return _build(
        input_shape,
        (_checks.check_positive_int("units", units),),
        head=head,
        num_classes=num_classes,
        num_outputs=num_outputs,
        return_sequences=return_sequences,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        masking=masking,
        mask_value=mask_value,
        head_units=head_units,
        variant=variant,
        name=name or "lstm",
    )


@register_model()
def stacked_lstm(
    input_shape,
    units=(64, 64),
    *,
    head="classification",
    num_classes=None,
    num_outputs=1,
    return_sequences=False,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    masking=False,
    mask_value=0.0,
    head_units=(),
    variant="np",
    name=None,
):
    return _build(
        input_shape,
        units,
        head=head,
        num_classes=num_classes,
        num_outputs=num_outputs,
        return_sequences=return_sequences,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        masking=masking,
        mask_value=mask_value,
        head_units=head_units,
        variant=variant,
        name=name or "stacked_lstm",
    )


lstm.__doc__ = (
    "One LSTM layer and a head.\n"
    + _SHARED_DOC.format(units_doc="int. Width of the LSTM layer.")
    + """
    Example:

    >>> model = zoo.lstm((50, 8), units=32, num_classes=3)
    >>> model.output_shape
    (None, 3)
"""
)
stacked_lstm.__doc__ = (
    "A stack of LSTM layers and a head; every layer but the last returns sequences.\n"
    + _SHARED_DOC.format(units_doc="tuple of int. Width of each LSTM layer, bottom first.")
    + """
    Example:

    >>> model = zoo.stacked_lstm((50, 8), units=(64, 64), head="regression")
    >>> model.output_shape
    (None, 1)
"""
)
