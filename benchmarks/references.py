"""Hand-written references: the model of the benchmark as a skilled user writes it in each
framework without Keras, to measure each framework's ceiling.

The same model everywhere: LSTM layers of the given widths (gates input, forget,
candidate, output), a linear head on the last step, mean squared error, Adam
(learning rate 1e-3). Each reference builds from `(size, x, y)` and returns a
`Reference` with `train()` (one epoch over `x` in batches, in order) and
`predict()` (all of `x`, as NumPy):

- JAX: `jax.jit` of a `lax.scan` LSTM, the whole train step (loss, gradient,
  optax's Adam update) one compiled function;
- TensorFlow: the train step (forward, `tf.GradientTape`, Adam written out on
  `tf.Variable`s) and the forward pass, each a `tf.function(jit_compile=True)`;
- PyTorch: `nn.LSTM` layers and `torch.optim.Adam`, predicting under `torch.no_grad()`.
"""

import dataclasses
from collections.abc import Callable

import numpy as np

LEARNING_RATE = 1e-3


@dataclasses.dataclass
class Reference:
    train: Callable[[], None]
    predict: Callable[[], np.ndarray]


def initial_weights(features, units, seed=0):
    """Per LSTM layer (kernel, recurrent kernel, bias), then the head's (kernel, bias)."""
    rng = np.random.default_rng(seed)
    weights = []
    for inputs, width in zip((features, *units), units, strict=False):
        scale = np.sqrt(1.0 / width)
        weights += [
            rng.uniform(-scale, scale, (inputs, 4 * width)),
            rng.uniform(-scale, scale, (width, 4 * width)),
            np.zeros(4 * width),
        ]
    weights += [rng.uniform(-0.1, 0.1, (units[-1], 1)), np.zeros(1)]
    return [w.astype("float32") for w in weights]


def batches(size, *arrays):
    step = size["batch"]
    return [tuple(a[i : i + step] for a in arrays) for i in range(0, len(arrays[0]), step)]


# === JAX ===


def jax_reference(size, x, y):
    import jax
    import jax.numpy as jnp
    import optax

    def layer(sequence, kernel, recurrent_kernel, bias):  # sequence: (time, batch, features)
        def step(state, x_t):
            h, c = state
            i, f, g, o = jnp.split(x_t @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((sequence.shape[1], recurrent_kernel.shape[0]), sequence.dtype)
        return jax.lax.scan(step, (zeros, zeros), sequence)[1]

    def forward(params, xb):
        sequence = jnp.swapaxes(xb, 0, 1)
        for i in range(0, len(params) - 2, 3):
            sequence = layer(sequence, *params[i : i + 3])
        return sequence[-1] @ params[-2] + params[-1]

    def loss(params, xb, yb):
        return jnp.mean((forward(params, xb) - yb) ** 2)

    optimizer = optax.adam(LEARNING_RATE)

    @jax.jit
    def train_step(params, state, xb, yb):
        grads = jax.grad(loss)(params, xb, yb)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    predict_step = jax.jit(forward)
    params = [jnp.asarray(w) for w in initial_weights(size["features"], size["units"])]
    held = {"params": params, "state": optimizer.init(params)}
    data = [tuple(jnp.asarray(a) for a in pair) for pair in batches(size, x, y)]

    def train():
        params, state = held["params"], held["state"]
        for xb, yb in data:
            params, state = train_step(params, state, xb, yb)
        held["params"], held["state"] = jax.block_until_ready((params, state))

    def predict():
        return np.concatenate([np.asarray(predict_step(held["params"], xb)) for xb, _ in data])

    return Reference(train, predict)


# === TensorFlow ===


def tensorflow_reference(size, x, y):
    import tensorflow as tf

    params = [tf.Variable(w) for w in initial_weights(size["features"], size["units"])]
    moments = [(tf.Variable(tf.zeros_like(p)), tf.Variable(tf.zeros_like(p))) for p in params]
    steps = tf.Variable(0.0)

    def layer(sequence, kernel, recurrent_kernel, bias):  # sequence: (time, batch, features)
        def step(state, x_t):
            h, c = state
            i, f, g, o = tf.split(x_t @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            return tf.sigmoid(o) * tf.tanh(c), c

        zeros = tf.zeros((tf.shape(sequence)[1], recurrent_kernel.shape[0]), sequence.dtype)
        return tf.scan(step, sequence, initializer=(zeros, zeros))[0]

    def forward(xb):
        sequence = tf.transpose(xb, [1, 0, 2])
        for i in range(0, len(params) - 2, 3):
            sequence = layer(sequence, *params[i : i + 3])
        return sequence[-1] @ params[-2] + params[-1]

    @tf.function(jit_compile=True)
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((forward(xb) - yb) ** 2)
        grads = tape.gradient(loss, params)
        steps.assign_add(1.0)  # Adam, as optax and torch.optim write it
        b1, b2 = 0.9, 0.999
        rate = LEARNING_RATE * tf.sqrt(1.0 - b2**steps) / (1.0 - b1**steps)
        for p, g, (m, v) in zip(params, grads, moments, strict=True):
            m.assign(b1 * m + (1.0 - b1) * g)
            v.assign(b2 * v + (1.0 - b2) * g * g)
            p.assign_sub(rate * m / (tf.sqrt(v) + 1e-8))

    predict_step = tf.function(forward, jit_compile=True)
    data = [tuple(tf.constant(a) for a in pair) for pair in batches(size, x, y)]

    def train():
        for xb, yb in data:
            train_step(xb, yb)
        params[-1].numpy()  # waits for the last step

    def predict():
        return np.concatenate([predict_step(xb).numpy() for xb, _ in data])

    return Reference(train, predict)


# === PyTorch ===


def torch_reference(size, x, y):
    import torch

    torch.manual_seed(0)
    model = torch_regressor(size["features"], size["units"])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    data = batches(size, torch.from_numpy(x), torch.from_numpy(y))

    def train():
        model.train()
        for xb, yb in data:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            optimizer.step()

    def predict():
        model.eval()
        with torch.no_grad():
            return torch.cat([model(xb) for xb, _ in data]).numpy()

    return Reference(train, predict)


def torch_regressor(features, units):
    """`nn.LSTM` layers of the given widths and a linear head on the last step."""
    import torch

    class TorchRegressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            widths = (features, *units)
            self.lstms = torch.nn.ModuleList(
                torch.nn.LSTM(a, b, batch_first=True) for a, b in zip(widths, units, strict=False)
            )
            self.head = torch.nn.Linear(units[-1], 1)

        def forward(self, x):
            for lstm in self.lstms:
                x, _ = lstm(x)
            return self.head(x[:, -1])

    return TorchRegressor()


REFERENCES = {"jax": jax_reference, "tensorflow": tensorflow_reference, "torch": torch_reference}
