"""The LSTM encoder-decoder family of Srivastava, Mansimov and Salakhutdinov (2015)."""

import keras

from zoo import _checks
from zoo._errors import InputError
from zoo._registry import register_model
from zoo.layers import LSTM, Reverse, SequenceDecoder
from zoo.layers.variants import check_variant
from zoo.models._base import SequenceModel


@register_model(tasks=("autoencoding",))
def lstm_autoencoder(
    input_shape,
    latent_dim=32,
    encoder_units=(64,),
    decoder_units=(64,),
    future_steps=0,
    reverse=True,
    conditional=False,
    *,
    dropout=0.0,
    variant="np",
    name=None,
):
    """LSTM autoencoder, future predictor and their composite.

    An encoder LSTM stack reads the sequence; a Dense layer turns its final
    output into the `latent_dim` representation (the nested model `"encoder"`,
    `model.get_layer("encoder")`). From it a decoder reconstructs the input,
    and with `future_steps > 0` a second decoder predicts the next
    `future_steps` steps (the "composite" model). The latent vector sets each
    decoder's initial LSTM state.

    Args:
        input_shape: `(timesteps, features)`, both fixed.
        latent_dim: int. Size of the representation.
        encoder_units, decoder_units: int or tuple of int. LSTM widths.
        future_steps: int >= 0. Steps the future decoder predicts; 0 for the
            plain autoencoder.
        reverse: bool. The reconstruction decoder produces the sequence last
            step first (the paper's reversed target: its first step is the one
            the encoder saw last). The `"reconstruction"` output is flipped back,
            so it lines up with the input either way: fit it against `x`.
        conditional: bool. Each decoder reads its previous step: the true one
            while training (teacher forcing), its own prediction at inference.
            A conditional composite model takes a second input `"true_future"`, the
            true future, read only while training; at inference it is ignored
            (pass zeros).
        dropout: float in [0, 1). Dropout after each encoder LSTM.
        variant: str. The cell of every encoder and decoder LSTM, one of
            Greff et al.'s (2017) variants (see `zoo.layers.LSTM`); "np",
            the standard cell, by default.
        name: model name; defaults to `"lstm_autoencoder"`.

    Returns:
        An uncompiled `keras.Model` mapping a sequence (and, conditional
        composite, the future) to the output `"reconstruction"`, or with
        `future_steps > 0` to a dict of `"reconstruction"` and `"future"`.
    """
    timesteps, features = _checks.check_input_shape(input_shape, allow_variable_length=False)
    latent_dim = _checks.check_positive_int("latent_dim", latent_dim)
    encoder_units = _checks.check_units("encoder_units", encoder_units)
    decoder_units = _checks.check_units("decoder_units", decoder_units)
    future_steps = _checks.check_positive_int("future_steps", future_steps, minimum=0)
    dropout = _checks.check_rate("dropout", dropout)
    variant = check_variant(variant)
    for argument, value in (("reverse", reverse), ("conditional", conditional)):
        if not isinstance(value, bool):
            raise InputError(f"Expected `{argument}` to be a bool. Received: {argument}={value!r}")

    # === Encoder: sequence -> latent vector ===
    sequence = keras.Input((timesteps, features), name="sequence")
    x = sequence
    for i, units in enumerate(encoder_units):
        last = i == len(encoder_units) - 1
        x = LSTM(units, return_sequences=not last, variant=variant, name=f"encoder_lstm_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"encoder_dropout_{i}")(x)
    latent = keras.layers.Dense(latent_dim, name="latent")(x)
    encoder = SequenceModel(sequence, latent, name="encoder")

    # === Decoders ===
    inputs = keras.Input((timesteps, features), name="sequence")
    code = encoder(inputs)
    reconstruction_decoder = SequenceDecoder(
        decoder_units,
        timesteps,
        features,
        conditional,
        variant=variant,
        name="reconstruction_decoder",
    )
    produced_order = Reverse(name="reversed_input")(inputs) if reverse else inputs
    teacher = produced_order if conditional else None
    reconstruction = reconstruction_decoder(code, teacher)
    if reverse:
        reconstruction = Reverse(name="reconstruction")(reconstruction)
    else:
        reconstruction = keras.layers.Identity(name="reconstruction")(reconstruction)
    model_inputs = inputs
    outputs = reconstruction
    if future_steps:
        future_decoder = SequenceDecoder(
            decoder_units,
            future_steps,
            features,
            conditional,
            variant=variant,
            name="future_decoder",
        )
        future_teacher = None
        if conditional:
            future_teacher = keras.Input((future_steps, features), name="true_future")
            model_inputs = {"sequence": inputs, "true_future": future_teacher}
        future = future_decoder(code, future_teacher)
        future = keras.layers.Identity(name="future")(future)
        outputs = {"reconstruction": reconstruction, "future": future}
    return SequenceModel(model_inputs, outputs, name=name or "lstm_autoencoder")
