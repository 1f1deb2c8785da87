"""Shared checks: one call tests a builder completely.

`check_builder(builder_name, kwargs, task, tmp_path)` builds the model, checks
its output shape, trains it a few steps on a learnable toy task and asserts the
loss went down, predicts, round-trips `get_config`/`from_config`, saves to
`.keras` and reloads (with `safe_mode=True`) with equal outputs. A masking
case trains and predicts on right-padded sequences (padded with its
`mask_value`) and must give each padded sequence the outputs of the same
sequence unpadded. `pair` and `outputs_and_gradients` compare one zoo LSTM
layer with Keras's (test_fast_paths.py, test_variants.py).
"""

import keras
import numpy as np

import zoo

SAMPLES = 64


def toy_task(kind, input_shape, output_shape, seed=0, mask_value=None):
    """A small learnable dataset whose targets depend on the inputs.

    Args:
        kind: "classification", "regression" or "features".
        input_shape: (timesteps, features); timesteps None uses 12.
        output_shape: the model's output shape without the batch axis.
        mask_value: None, or the value that right-pads most sequences (not
            every fourth) to `timesteps` from 4 or more real steps; the targets
            are those of the real steps (a padded step repeats the last real
            step's target, as a masked LSTM repeats its last output).
    """
    rng = np.random.default_rng(seed)
    timesteps = input_shape[0] or 12
    x = rng.normal(size=(SAMPLES, timesteps, input_shape[1])).astype("float32")
    per_step = len(output_shape) == 2
    signal = np.cumsum(x[..., 0], axis=1) / np.sqrt(np.arange(1, timesteps + 1))
    if mask_value is not None:
        lengths = rng.integers(min(4, timesteps), timesteps + 1, size=SAMPLES)
        lengths[::4] = timesteps
        steps = np.arange(timesteps)[None, :]
        signal = np.take_along_axis(signal, np.minimum(steps, lengths[:, None] - 1), axis=1)
        x[steps >= lengths[:, None]] = mask_value
    signal = signal if per_step else signal[:, -1]
    if kind == "classification":
        num_classes = output_shape[-1]
        edges = np.quantile(signal, np.linspace(0, 1, num_classes + 1)[1:-1])
        y = np.digitize(signal, edges).astype("int32")
    elif kind == "regression":
        y = np.repeat(signal[..., None], output_shape[-1], axis=-1).astype("float32")
    else:  # features: pull the representation towards a fixed target
        y = np.full((SAMPLES,) + tuple(output_shape), 0.1, dtype="float32")
    return x, y


def autoencoder_task(kwargs, seed=0):
    """Smooth random sequences; targets are the input (and the steps after it)."""
    rng = np.random.default_rng(seed)
    timesteps, features = kwargs["input_shape"]
    future_steps = kwargs.get("future_steps", 0)
    t = np.arange(timesteps + future_steps)
    phase = rng.uniform(0, 2 * np.pi, size=(SAMPLES, 1, features))
    whole = np.sin(0.5 * t[None, :, None] + phase).astype("float32")
    x, future = whole[:, :timesteps], whole[:, timesteps:]
    if not future_steps:
        return x, x
    inputs = {"sequence": x, "true_future": future} if kwargs.get("conditional") else x
    return inputs, {"reconstruction": x, "future": future}


def _loss(kind):
    return "sparse_categorical_crossentropy" if kind == "classification" else "mse"


def assert_same_outputs(a, b, atol=1e-6):
    a, b = keras.tree.flatten(a), keras.tree.flatten(b)
    assert len(a) == len(b)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_allclose(np.asarray(left), np.asarray(right), atol=atol, rtol=0)


def plain_functional(model):
    """The same layers as a plain `keras.Model`: Keras's own graph walk and predict."""
    return keras.Model(model.input, model.output)


def check_builder(builder_name, kwargs, kind, expected_output_shape, tmp_path):
    model = zoo.get_model(builder_name, **kwargs)
    assert isinstance(model, keras.Model)
    if isinstance(expected_output_shape, dict):
        # Keras reports a dict's output shapes as a list, in sorted key order
        expected = [(None,) + tuple(shape) for shape in _shapes(expected_output_shape)]
    else:
        expected = (None,) + tuple(expected_output_shape)
    assert model.output_shape == expected
    lstm_layers = [layer for layer in _all_layers(model) if isinstance(layer, keras.layers.LSTM)]
    assert lstm_layers and all(isinstance(la, zoo.layers.LSTM) for la in lstm_layers)

    # Training lowers the loss on a learnable task.
    mask_value = kwargs.get("mask_value", 0.0) if kwargs.get("masking") else None
    if kind == "autoencoding":
        x, y = autoencoder_task(kwargs)
    else:
        x, y = toy_task(kind, kwargs["input_shape"], expected_output_shape, mask_value=mask_value)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=_loss(kind))
    before = model.evaluate(x, y, verbose=0, batch_size=SAMPLES, return_dict=True)["loss"]
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0, batch_size=SAMPLES, return_dict=True)["loss"]
    assert np.isfinite(history.history["loss"]).all()
    assert after < before * 0.95, (before, after)

    # Predict: right shape, finite, probabilities where the head says so.
    predictions = model.predict(x, verbose=0, batch_size=32)
    timesteps = keras.tree.flatten(x)[0].shape[1]
    for got, shape in zip(
        keras.tree.flatten(predictions), _shapes(expected_output_shape), strict=True
    ):
        assert got.shape == (SAMPLES,) + tuple(timesteps if d is None else d for d in shape)
        assert np.isfinite(got).all()
    if kwargs.get("head", "classification") == "classification" and kind == "classification":
        np.testing.assert_allclose(predictions.sum(-1), 1.0, atol=1e-5)

    # The lean predict path (and, on torch, the lean graph walk) gives what
    # Keras's own predict and graph walk give, also for a smaller last batch.
    assert_same_outputs(predictions, plain_functional(model).predict(x, verbose=0, batch_size=24))

    if mask_value is not None:
        assert_padding_is_masked(model, x, predictions, mask_value)

    # get_config / from_config round trip gives the same architecture.
    clone = keras.Model.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    assert_same_outputs(clone.predict(x, verbose=0), predictions)

    # .keras save and reload (safe_mode=True) gives the same outputs.
    path = tmp_path / f"{builder_name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert_same_outputs(reloaded.predict(x, verbose=0, batch_size=32), predictions)
    assert [w.shape for w in reloaded.weights] == [w.shape for w in model.weights]
    assert type(reloaded) is type(model)  # zoo.models.SequenceModel, with its lean predict
    return model


def assert_padding_is_masked(model, x, predictions, mask_value, atol=1e-5):
    """The padded sequences' outputs (from a padded batch) are those of the
    same sequences alone, unpadded; a per-step output repeats its last real
    step's output over the padding (what a forward LSTM's mask does). Checked
    on the shortest sequences, in one call (each new shape compiles on jax)."""
    lengths = np.any(x != mask_value, axis=-1).sum(axis=1)
    assert np.sum(lengths < x.shape[1]) >= len(x) // 2, "the data holds padded sequences"
    n = lengths.min()
    shortest = np.flatnonzero(lengths == n)
    alone = keras.ops.convert_to_numpy(model(x[shortest, :n], training=False))
    got = predictions[shortest]
    if predictions.ndim == 3:  # per step: the real steps, then the padding
        np.testing.assert_allclose(got[:, :n], alone, atol=atol)
        repeated = np.broadcast_to(alone[:, -1:], got[:, n:].shape)
        np.testing.assert_allclose(got[:, n:], repeated, atol=atol)
    else:
        np.testing.assert_allclose(got, alone, atol=atol)


def _shapes(expected):
    return [expected[k] for k in sorted(expected)] if isinstance(expected, dict) else [expected]


def _all_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield layer.forward_layer
            yield layer.backward_layer
        elif isinstance(layer, keras.Model):
            yield from _all_layers(layer)
        else:
            yield layer


def all_variants_model(timesteps, features, units):
    """One small model holding a `zoo.layers.LSTM` of every variant side by
    side (each layer named after its variant), outputs concatenated."""
    inputs = keras.Input((timesteps, features))
    branches = [
        zoo.layers.LSTM(units, variant=variant, name=variant)(inputs)
        for variant in zoo.layers.VARIANTS
    ]
    outputs = keras.layers.Concatenate()(branches)
    return zoo.models._base.SequenceModel(inputs, outputs, name="all_variants")


def pair(units=5, features=3, seed=0, **kwargs):
    """A zoo and a Keras LSTM holding the same random weights."""
    rng = np.random.default_rng(seed)
    ours = zoo.layers.LSTM(units, **kwargs)
    theirs = keras.layers.LSTM(units, **kwargs)
    for layer in (ours, theirs):
        layer.build((None, None, features))
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def outputs_and_gradients(layer, x, h0, c0, mask, upstream):
    """The layer's (output, h, c) and the gradients of a fixed weighted sum of
    them with respect to x, h0, c0 and the layer's weights, as NumPy."""
    np_ = keras.ops.convert_to_numpy
    if keras.backend.backend() == "jax":
        import jax
        import jax.numpy as jnp

        def loss(weights, x, h0, c0):
            (out, h, c), _ = layer.stateless_call(
                weights, fixed, x, initial_state=[h0, c0], mask=mask
            )
            total = sum(jnp.sum(t * u) for t, u in zip((out, h, c), upstream, strict=True))
            return total, (out, h, c)

        weights = [v.value for v in layer.trainable_variables]
        fixed = [v.value for v in layer.non_trainable_variables]  # the seed generator's state
        grads, values = jax.grad(loss, argnums=(0, 1, 2, 3), has_aux=True)(weights, x, h0, c0)
        grads = [*grads[1:], *grads[0]]
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        x, h0, c0 = (tf.constant(a) for a in (x, h0, c0))
        with tf.GradientTape() as tape:
            tape.watch([x, h0, c0])
            values = layer(x, initial_state=[h0, c0], mask=mask)
            total = sum(tf.reduce_sum(t * u) for t, u in zip(values, upstream, strict=True))
        grads = tape.gradient(total, [x, h0, c0, *[v.value for v in layer.trainable_variables]])
    else:
        import torch

        x, h0, c0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
        values = layer(x, initial_state=[h0, c0], mask=None if mask is None else torch.tensor(mask))
        total = sum((t * torch.tensor(u)).sum() for t, u in zip(values, upstream, strict=True))
        grads = torch.autograd.grad(
            total, [x, h0, c0, *[v.value for v in layer.trainable_variables]]
        )
    return [np_(v) for v in values], [np_(g) for g in grads]
