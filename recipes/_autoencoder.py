"""What the anomaly and embed recipes share: the autoencoder's flags, its
inputs and targets, training, reconstruction and the reconstruction plot."""

import dataclasses

import numpy as np

import zoo
import zoo.training
from recipes import _cli, _plots, _training
from zoo import InputError, data


def add_flags(p):
    p.add_argument("--latent-dim", type=_cli.positive_int, default=16)
    p.add_argument(
        "--future-steps",
        type=int,
        default=0,
        help="also predict the last N steps of each window from the rest (composite model)",
    )
    p.add_argument(
        "--conditional",
        action="store_true",
        help="decoders read their previous step (true in training, their own at inference)",
    )
    p.add_argument(
        "--no-reverse",
        dest="reverse",
        action="store_false",
        help="reconstruct in input order instead of reversed",
    )


def parser(description, prog):
    return _cli.parser(
        description,
        prog,
        task="autoencoding",
        default_model="lstm_autoencoder",
        default_units=(64,),
        dropout=0.0,
        bidirectional=False,
    )


@dataclasses.dataclass
class Outcome:
    """What an anomaly or embed task hands to the report."""

    model: object
    dataset: str
    history: dict
    seconds: float
    results: dict
    extra: dict
    run: dict  # task, input and preparation for run.json (see recipes._run)
    unit: str = "sequence"


@dataclasses.dataclass(frozen=True)
class Shape:
    """The autoencoder's options that shape its inputs and outputs."""

    future_steps: int = 0
    conditional: bool = False
    reverse: bool = True

    def split(self, x):
        """Sequences (n, steps, features) as (what the encoder reads, the future)."""
        k = self.future_steps
        if k and k >= x.shape[1]:
            raise InputError(
                f"--future-steps {k} leaves no steps to encode in sequences of {x.shape[1]} steps"
            )
        return (x[:, :-k], x[:, -k:]) if k else (x, None)

    def inputs(self, x, training):
        sequence, future = self.split(x)
        if future is None or not self.conditional:
            return sequence
        # the conditional composite reads the true future only while training
        return {"sequence": sequence, "true_future": future if training else np.zeros_like(future)}

    def targets(self, x):
        sequence, future = self.split(x)
        return sequence if future is None else {"reconstruction": sequence, "future": future}


def shape_from(*, conditional, future_steps, reverse):
    if future_steps < 0:
        raise InputError(f"--future-steps: expected 0 or more, got {future_steps}")
    return Shape(future_steps, conditional, reverse)


def fit(
    shape,
    x_fit,
    x_val,
    *,
    devices,
    dropout,
    ensemble,
    latent_dim,
    model_name,
    policy,
    seed,
    state,
    units,
):
    """Builds the `--model` autoencoder for `x_fit` and trains it under `policy`."""
    steps = shape.split(x_fit)[0].shape[1]

    def build():
        model = zoo.get_model(
            model_name,
            input_shape=(steps, x_fit.shape[2]),
            latent_dim=latent_dim,
            encoder_units=units,
            decoder_units=tuple(reversed(units)),
            future_steps=shape.future_steps,
            reverse=shape.reverse,
            conditional=shape.conditional,
            dropout=dropout,
        )
        return zoo.training.compile(model, policy, loss="mse")

    model, history, seconds, _ = _training.ensemble(
        build,
        lambda model, member_state: _training.train(
            model,
            shape.inputs(x_fit, training=True),
            shape.targets(x_fit),
            (shape.inputs(x_val, training=True), shape.targets(x_val)),
            policy=policy,
            state=member_state,
            devices=devices,
        ),
        members=ensemble,
        seed=seed,
        state=state,
    )
    return model, history, seconds


def reconstruct(model, x, shape):
    """The model's reconstruction (and future) of `x`, lined up with `x`."""
    output = model.predict(shape.inputs(x, training=False), batch_size=256, verbose=0)
    if isinstance(output, dict):
        output = np.concatenate([output["reconstruction"], output["future"]], axis=1)
    return output


def step_errors(x, reconstructed):
    """Squared error per sequence and step, averaged over features: (n, steps)."""
    return np.mean((np.asarray(reconstructed, "float64") - x) ** 2, axis=2)


def equal_length(x, source):
    """Equal-length sequences with gaps filled, or a clear error."""
    x, padded = data.prepare(x, normalize=None)
    if padded:
        found = data.lengths(np.where(x == data.MASK_VALUE, np.nan, x))
        raise InputError(
            f"{source}: the autoencoder needs sequences of one length; "
            f"found {found.min()} to {found.max()} steps"
        )
    return x


def plot_reconstructions(path, x, reconstructed, titles, future_steps=0):
    """Inputs beside their reconstructions: lines for up to 3 features, else images."""
    figure = _plots.new_figure(nrows=len(x), ncols=1 if x.shape[2] <= 3 else 2, height=2.7)
    axes = np.array(figure.axes).reshape(len(x), -1)
    for row, (original, rebuilt, title) in enumerate(zip(x, reconstructed, titles, strict=True)):
        if x.shape[2] <= 3:
            ax = axes[row, 0]
            for f in range(x.shape[2]):
                ax.plot(original[:, f], color=f"C{f}", label="input" if f == 0 else None)
                ax.plot(rebuilt[:, f], color=f"C{f}", ls="--", label="output" if f == 0 else None)
            if future_steps:
                ax.axvline(x.shape[1] - future_steps - 0.5, color="gray", ls=":")
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=8, loc="upper right")
            continue
        low, high = float(original.min()), float(original.max())
        for ax, image, name in zip(
            axes[row], (original, rebuilt), ("input", "output"), strict=True
        ):
            ax.imshow(image.T, aspect="auto", vmin=low, vmax=high, cmap="viridis")
            ax.set_title(f"{title}: {name}", fontsize=9)
            ax.set_ylabel("feature")
    axes[-1, 0].set_xlabel("step")
    _plots.save_figure(path, figure)
