"""The LSTM-FCN family: an LSTM beside a fully convolutional network (Karim et al.)."""

import numbers

import keras

from zoo import _checks
from zoo._errors import InputError
from zoo._registry import register_model
from zoo.layers import LSTM, AttentionPooling, SqueezeExcite, StepMask, ZeroMaskedSteps
from zoo.layers.variants import check_variant
from zoo.models._base import SequenceModel, head_output

HEADS = ("classification", "regression", None)

_SHARED_DOC = """
    Two branches read the same series and their features are concatenated
    before the head:

    - the LSTM branch: one `zoo.layers.LSTM` of `units` cells and then
      `Dropout(dropout)`. With `dimension_shuffle=True` it reads the series
      transposed (one step per feature, each holding the whole series); with
      `attention=True` it returns every step and an attention pooling
      (`zoo.layers.AttentionPooling`) replaces its last state (ALSTM-FCN).
    - the fully convolutional branch: per block a `"same"`-padded `Conv1D`,
      `BatchNormalization` and ReLU{se_doc};
      then a global average over time. The batch normalization's moving
      statistics use momentum 0.9 (Keras's default is 0.99): a small data
      set gives few steps per epoch, and at 0.99 inference would still run
      on statistics far from the training ones.

    With `masking=True` padded steps are skipped by both branches: the LSTM
    through `keras.layers.Masking`, the convolutions by setting padded steps
    to zero before each block (as the unpadded series' own border is), the
    batch statistics, squeeze and global averages by averaging over real
    steps only. A right-padded batch gives each sequence's unpadded output.

    Args:
        input_shape: tuple `(timesteps, features)`. `timesteps=None` accepts
            sequences of any length (pad batches and set `masking=True`).
        units: int. Cells of the LSTM (8 in the papers).
        filters: tuple of int. Filters of each convolution block.
        kernel_sizes: tuple of int. Kernel size of each block, one per filter.{se_args}
        dimension_shuffle: bool. The LSTM reads the transpose of the series:
            `features` steps of `timesteps` values each. Needs a fixed
            `timesteps`.
        attention: bool. ALSTM-FCN: attention pooling over the LSTM's steps
            instead of its last state.
        head: `"classification"`, `"regression"` or `None`. Classification
            ends in a softmax over `num_classes`, regression in a linear
            layer of `num_outputs`; `None` returns the feature extractor (the
            concatenated branch features, `units + filters[-1]` wide).
        num_classes: int >= 2. Number of classes of a classification head.
        num_outputs: int. Number of values a regression head predicts.
        dropout: float in [0, 1). Dropout after the LSTM branch; the papers'
            0.8 is the default: it keeps the small LSTM from overfitting
            while the convolutions carry most of the signal.
        masking: bool. Skip padded steps (see above).
        mask_value: float. The value that marks a padded step (every feature
            equal to it).
        variant: str. The LSTM's cell, one of Greff et al.'s (2017) variants
            (see `zoo.layers.LSTM`); "np", the standard cell, by default.
        name: str. Model name; defaults to the builder's name.

    Returns:
        An uncompiled `keras.Model`.
"""


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise InputError(f"Expected `{name}` to be a bool. Received: {name}={value!r}")
    return value


def _build(
    input_shape,
    units,
    *,
    filters,
    kernel_sizes,
    squeeze_excite,
    reduction,
    dimension_shuffle,
    attention,
    head,
    num_classes,
    num_outputs,
    dropout,
    masking,
    mask_value,
    variant,
    name,
):
    # === Checks: every argument, before any layer exists ===
    timesteps, features = _checks.check_input_shape(input_shape)
    units = _checks.check_positive_int("units", units)
    filters = _checks.check_units("filters", filters)
    kernel_sizes = _checks.check_units("kernel_sizes", kernel_sizes)
    if squeeze_excite:
        reduction = _checks.check_positive_int("reduction", reduction)
    head = _checks.check_choice("head", head, HEADS)
    dropout = _checks.check_rate("dropout", dropout)
    variant = check_variant(variant)
    if len(kernel_sizes) != len(filters):
        raise InputError(
            f"Expected `kernel_sizes` to have one entry per filter ({len(filters)}). "
            f"Received: kernel_sizes={kernel_sizes!r} for filters={filters!r}"
        )
    head, num_outputs = _checks.check_head(head, num_classes, num_outputs, HEADS)
    dimension_shuffle = _check_bool("dimension_shuffle", dimension_shuffle)
    attention = _check_bool("attention", attention)
    masking = _check_bool("masking", masking)
    if not isinstance(mask_value, numbers.Real) or isinstance(mask_value, bool):
        raise InputError(
            f"Expected `mask_value` to be a number. Received: mask_value={mask_value!r}"
        )
    if dimension_shuffle and timesteps is None:
        raise InputError(
            "Expected a fixed number of timesteps with `dimension_shuffle=True`: the "
            "shuffled LSTM reads each feature as one step holding the whole series. "
            f"Received: dimension_shuffle=True, input_shape={input_shape!r}"
        )

    # === Layers ===
    inputs = keras.Input(shape=(timesteps, features), name="sequence")
    # Convolutions drop Keras's implicit mask, so the conv branch passes it explicitly
    step_mask = StepMask(mask_value, name="step_mask")(inputs) if masking else None

    # LSTM branch
    if dimension_shuffle:
        # One step per feature: padded steps (fixed length) reach it as zeros
        x = ZeroMaskedSteps(name="zero_padding")(inputs, mask=step_mask) if masking else inputs
        x = keras.layers.Permute((2, 1), name="dimension_shuffle")(x)
    elif masking:
        x = keras.layers.Masking(mask_value=float(mask_value), name="masking")(inputs)
    else:
        x = inputs
    x = LSTM(units, return_sequences=attention, variant=variant, name="lstm")(x)
    if attention:
        x = AttentionPooling(name="attention")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="lstm_dropout")(x)

    # Fully convolutional branch
    y = inputs
    for i, (width, kernel_size) in enumerate(zip(filters, kernel_sizes, strict=True), start=1):
        if masking:
            y = ZeroMaskedSteps(name=f"zero_padding_{i}")(y, mask=step_mask)
        y = keras.layers.Conv1D(
            width,
            kernel_size,
            padding="same",
            kernel_initializer="he_uniform",
            name=f"conv_{i}",
        )(y)
        y = keras.layers.BatchNormalization(momentum=0.9, name=f"batch_norm_{i}")(y, mask=step_mask)
        y = keras.layers.Activation("relu", name=f"relu_{i}")(y)
        if squeeze_excite and i < len(filters):
            y = SqueezeExcite(reduction, name=f"squeeze_excite_{i}")(y, mask=step_mask)
    y = keras.layers.GlobalAveragePooling1D(name="global_pool")(y, mask=step_mask)

    x = keras.layers.Concatenate(name="concatenate")([x, y])
    x = head_output(x, head, num_classes, num_outputs)

    # === Functional Model ===
    return SequenceModel(inputs, x, name=name)


@register_model()
def lstm_fcn(
    input_shape,
    units=8,
    *,
    filters=(128, 256, 128),
    kernel_sizes=(8, 5, 3),
    dimension_shuffle=False,
    attention=False,
    head="classification",
    num_classes=None,
    num_outputs=1,
    dropout=0.8,
    masking=False,
    mask_value=0.0,
    variant="np",
    name=None,
):
    return _build(
        input_shape,
        units,
        filters=filters,
        kernel_sizes=kernel_sizes,
        squeeze_excite=False,
        reduction=None,
        dimension_shuffle=dimension_shuffle,
        attention=attention,
        head=head,
        num_classes=num_classes,
        num_outputs=num_outputs,
        dropout=dropout,
        masking=masking,
        mask_value=mask_value,
        variant=variant,
        name=name or "lstm_fcn",
    )


@register_model()
def mlstm_fcn(
    input_shape,
    units=8,
    *,
    filters=(128, 256, 128),
    kernel_sizes=(8, 5, 3),
    reduction=16,
    dimension_shuffle=False,
    attention=False,
    head="classification",
    num_classes=None,
    num_outputs=1,
    dropout=0.8,
    masking=False,
    mask_value=0.0,
    variant="np",
    name=None,
):
    return _build(
        input_shape,
        units,
        filters=filters,
        kernel_sizes=kernel_sizes,
        squeeze_excite=True,
        reduction=reduction,
        dimension_shuffle=dimension_shuffle,
        attention=attention,
        head=head,
        num_classes=num_classes,
        num_outputs=num_outputs,
        dropout=dropout,
        masking=masking,
        mask_value=mask_value,
        variant=variant,
        name=name or "mlstm_fcn",
    )


lstm_fcn.__doc__ = (
    "LSTM-FCN: an LSTM beside a fully convolutional network, and a head.\n\n"
    '    Karim, Majumdar, Darabi and Chen (2018), "LSTM Fully Convolutional\n'
    '    Networks for Time Series Classification", IEEE Access 6.\n'
    + _SHARED_DOC.format(se_doc="", se_args="")
    + """
    Example:

    >>> model = zoo.lstm_fcn((50, 1), num_classes=3)
    >>> model.output_shape
    (None, 3)
    >>> model = zoo.lstm_fcn((None, 2), head="regression", masking=True, attention=True)
    >>> model.output_shape
    (None, 1)
"""
)
mlstm_fcn.__doc__ = (
    "MLSTM-FCN: LSTM-FCN with squeeze-and-excite blocks, for multivariate series.\n\n"
    '    Karim, Majumdar, Darabi and Harford (2019), "Multivariate LSTM-FCNs for\n'
    '    Time Series Classification", Neural Networks 116.\n'
    + _SHARED_DOC.format(
        se_doc=(
            " and, in every block but the last, a\n"
            "      squeeze-and-excite block (`zoo.layers.SqueezeExcite`)"
        ),
        se_args=(
            "\n        reduction: int. Squeeze-and-excite reduction: each block has\n"
            "            `filters // reduction` (at least 1) hidden units."
        ),
    )
    + """
    Example:

    >>> model = zoo.mlstm_fcn((100, 6), num_classes=4)
    >>> model.output_shape
    (None, 4)
"""
)
