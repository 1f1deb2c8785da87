"""Example arguments for every registered builder.

Each entry: (kwargs, toy-task kind, expected output shape without the batch
axis). `test_models.py` runs every case through `helpers.check_builder`, and
fails if a registered builder has no case, so a new model gets every check.
A case with `masking=True` trains and predicts on sequences right-padded with
its `mask_value` (99.0, -1.0 and the default 0.0 all appear below). Each of
Greff et al.'s LSTM variants but the default "np" is the `variant=` of one
case, so every variant goes through every check here; tests/test_variants.py
checks their numbers and tests/portability.py moves them across backends.

The forecasters go through the same check as regressors (the toy task's
per-step targets, mean squared error): it proves they train, predict, save
and reload; their own losses are tested in tests/test_forecasting_models.py.
An `mqrnn` case's horizon equals its timesteps (12 for a variable length),
the length of the toy task's per-step targets; its `future_features` input
(a dict) is covered there too.
"""

CASES = {
    "lstm": [
        (dict(input_shape=(10, 3), units=16, num_classes=3), "classification", (3,)),
        (
            dict(
                input_shape=(10, 3),
                units=8,
                head="regression",
                num_outputs=2,
                head_units=(8,),
                variant="nog",
            ),
            "regression",
            (2,),
        ),
        (dict(input_shape=(10, 3), units=8, head=None, variant="niaf"), "features", (8,)),
        (
            dict(
                input_shape=(None, 2),
                units=8,
                head="regression",
                masking=True,
                mask_value=99.0,
                return_sequences=True,
            ),
            "regression",
            (None, 1),
        ),
        (
            dict(input_shape=(None, 2), units=6, num_classes=2, masking=True, variant="fgr"),
            "classification",
            (2,),
        ),
    ],
    "stacked_lstm": [
        (
            dict(input_shape=(10, 3), units=(16, 8), num_classes=2, dropout=0.1),
            "classification",
            (2,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=(8, 8),
                head="regression",
                bidirectional=True,
                recurrent_dropout=0.1,
            ),
            "regression",
            (1,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=(8, 8),
                num_classes=3,
                return_sequences=True,
                variant="noaf",
            ),
            "classification",
            (10, 3),
        ),
        (
            dict(
                input_shape=(None, 3),
                units=(8, 8),
                num_classes=2,
                masking=True,
                bidirectional=True,
                mask_value=-1.0,
            ),
            "classification",
            (2,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=(6, 6),
                head="regression",
                bidirectional=True,
                recurrent_dropout=0.1,
                variant="cifg",
            ),
            "regression",
            (1,),
        ),
    ],
    "lstm_autoencoder": [
        (
            dict(input_shape=(8, 2), latent_dim=4, encoder_units=8, decoder_units=8),
            "autoencoding",
            (8, 2),
        ),
        (
            dict(
                input_shape=(8, 2),
                latent_dim=4,
                encoder_units=(8, 8),
                decoder_units=8,
                future_steps=3,
                dropout=0.1,
            ),
            "autoencoding",
            {"reconstruction": (8, 2), "future": (3, 2)},
        ),
        (
            dict(
                input_shape=(8, 2),
                latent_dim=4,
                encoder_units=8,
                decoder_units=(8, 8),
                conditional=True,
                reverse=False,
            ),
            "autoencoding",
            (8, 2),
        ),
        (
            dict(
                input_shape=(8, 2),
                latent_dim=4,
                encoder_units=8,
                decoder_units=8,
                future_steps=3,
                conditional=True,
            ),
            "autoencoding",
            {"reconstruction": (8, 2), "future": (3, 2)},
        ),
        (
            dict(
                input_shape=(8, 2),
                latent_dim=4,
                encoder_units=6,
                decoder_units=6,
                conditional=True,
                variant="vanilla",
            ),
            "autoencoding",
            (8, 2),
        ),
    ],
    "lstm_fcn": [
        (
            dict(input_shape=(10, 3), units=4, filters=(8, 16, 8), num_classes=3),
            "classification",
            (3,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=4,
                filters=(8, 16, 8),
                head="regression",
                num_outputs=2,
                dropout=0.1,
                variant="nig",
            ),
            "regression",
            (2,),
        ),
        (
            dict(input_shape=(10, 3), units=4, filters=(8, 16, 8), head=None, variant="nfg"),
            "features",
            (12,),
        ),
        (
            dict(
                input_shape=(None, 2),
                units=4,
                filters=(8, 16, 8),
                head="regression",
                masking=True,
                mask_value=-1.0,
            ),
            "regression",
            (1,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=4,
                filters=(8, 16, 8),
                kernel_sizes=(5, 3, 3),
                attention=True,
                num_classes=2,
            ),
            "classification",
            (2,),
        ),
        (
            dict(
                input_shape=(10, 3),
                units=4,
                filters=(8, 8),
                kernel_sizes=(3, 3),
                dimension_shuffle=True,
                num_classes=2,
            ),
            "classification",
            (2,),
        ),
    ],
    "mlstm_fcn": [
        (
            dict(input_shape=(10, 4), units=4, filters=(8, 16, 8), reduction=4, num_classes=3),
            "classification",
            (3,),
        ),
        (
            dict(
                input_shape=(None, 3),
                units=4,
                filters=(8, 16, 8),
                head="regression",
                masking=True,
                attention=True,
            ),
            "regression",
            (1,),
        ),
        (
            dict(
                input_shape=(10, 4),
                units=4,
                filters=(8, 16, 8),
                dimension_shuffle=True,
                head=None,
            ),
            "features",
            (12,),
        ),
    ],
    "deepar": [
        (dict(input_shape=(10, 3), units=(8, 8)), "regression", (10, 3)),
        (
            dict(input_shape=(None, 2), units=8, distribution="gaussian", dropout=0.0),
            "regression",
            (None, 2),
        ),
        (
            dict(input_shape=(10, 2), units=(6,), distribution="negative_binomial"),
            "regression",
            (10, 2),
        ),
    ],
    "mqrnn": [
        (
            dict(
                input_shape=(10, 3),
                horizon=10,
                quantiles=(0.1, 0.5, 0.9),
                units=8,
                head_units=(8,),
            ),
            "regression",
            (10, 3),
        ),
        (
            dict(
                input_shape=(None, 2),
                horizon=12,
                quantiles=(0.25, 0.75),
                units=(8, 8),
                head_units=(),
                dropout=0.0,
            ),
            "regression",
            (12, 2),
        ),
    ],
}
