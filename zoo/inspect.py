"""Gate activations over time: what each LSTM layer of a model does with a sequence.

>>> model = zoo.lstm((20, 3), units=8, num_classes=2, variant="cifg")
>>> found = zoo.inspect.gates(model, np.zeros((4, 20, 3), "float32"))
>>> sorted(found["lstm_1"])
['candidate', 'cell', 'forget', 'hidden', 'input', 'output']
>>> found["lstm_1"]["forget"].shape
(4, 20, 8)
"""

import keras
import numpy as np

from zoo import _fast
from zoo._errors import InputError
from zoo._fast import internals
from zoo.layers.variants import next_states, step

QUANTITIES = ("input", "forget", "output", "candidate", "cell", "hidden")


def gates(model, x, layer=None):
    """Each LSTM layer's gates, cell candidate, cell and hidden states over time.

    Runs `model` on `x` once (inference, no dropout), records what each LSTM
    layer receives (its input sequence, initial state and mask) and replays
    the cell step by step from the layer's own weights (`zoo.layers.variants.step`,
    the same step the layer's loop takes for a variant).

    Args:
        model: a `keras.Model` holding `keras.layers.LSTM` layers (zoo's or
            Keras's), also inside nested models, `keras.layers.Bidirectional`
            and `zoo.layers.SequenceDecoder`.
        x: the model's input, as for `model.predict` (one batch).
        layer: str or None. One layer's name (or the path shown as a key
            below); None for every LSTM layer.

    Returns:
        A dict from layer name to a dict of NumPy arrays of shape
        `(batch, time, units)`: "input", "forget", "output" (the gates'
        activations; a gate that the layer's variant removes is reported as
        the constant it is, 1, and "cifg"'s forget gate as 1 - input),
        "candidate" (the block input added to the cell), "cell" and "hidden"
        (the states after each step). Layers inside a nested model are named
        `"outer/inner"`; a `Bidirectional` layer gives `"name/forward"` and
        `"name/backward"`, both in the input's time order. At a masked step
        the states carry over unchanged, as Keras carries them, and the gates
        and candidate are NaN (the step computed nothing). An LSTM the model
        steps through one cell call at a time (a conditional decoder at
        inference) has no loop to record and is left out.
    """
    found = _lstm_layers(model)
    if layer is not None:
        chosen = {
            key: lstm
            for key, lstm in found.items()
            if layer in (key, lstm.name, key.rsplit("/", 1)[0])
        }
        if not chosen:
            raise InputError(
                f"Expected `layer` to name an LSTM layer of the model, one of "
                f"{list(found)}. Received: layer={layer!r}"
            )
        found = chosen
    if not found:
        raise InputError(f"The model {model.name!r} holds no LSTM layer to inspect.")
    calls = _record_calls(model, x, found.values())
    result = {}
    for key, lstm in found.items():
        if lstm in calls:
            result[key] = _replay(lstm, *calls[lstm])
    if layer is not None and not result:
        raise InputError(
            f"The LSTM layer {layer!r} ran no loop over time steps in this model "
            "(a conditional decoder at inference steps its cell one call at a time)."
        )
    return result


def plot_gates(model, x, *, layer=None, path=None, max_rows=24):
    """Heatmaps (units x time) of `gates(model, x, layer)`: one row per sequence
    of `x` and LSTM layer, one column per quantity.

    Gates are drawn on a fixed 0..1 scale; the candidate, cell and hidden
    states on a scale symmetric about zero. Uses matplotlib without touching
    its global backend (no pyplot).

    Args:
        model, x, layer: as for `gates`.
        path: str or path-like, or None. Where to write the figure as PNG.
        max_rows: int. Most rows (sequences x layers) to draw; more is an error.

    Returns:
        The `matplotlib.figure.Figure`.
    """
    from matplotlib.figure import Figure

    found = gates(model, x, layer)
    sequences = next(iter(found.values()))["hidden"].shape[0]
    rows = [(n, key) for n in range(sequences) for key in found]
    if len(rows) > max_rows:
        raise InputError(
            f"Expected at most {max_rows} rows (sequences x LSTM layers) to plot; "
            f"`x` gives {sequences} sequences x {len(found)} layers. Pass fewer sequences "
            "or choose a `layer`."
        )
    figure = Figure(figsize=(2.6 * len(QUANTITIES), 1.9 * len(rows) + 0.6))
    axes = figure.subplots(len(rows), len(QUANTITIES), squeeze=False)
    for r, (n, key) in enumerate(rows):
        for c, quantity in enumerate(QUANTITIES):
            values = found[key][quantity][n].T  # units x time
            ax = axes[r, c]
            if quantity in ("input", "forget", "output"):
                image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
            else:
                limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
                limit = limit or 1.0
                image = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit)
            figure.colorbar(image, ax=ax, fraction=0.05)
            if r == 0:
                ax.set_title(
                    quantity if quantity in ("candidate", "cell", "hidden") else f"{quantity} gate"
                )
            if c == 0:
                ax.set_ylabel(f"sequence {n}\n{key}\nunit")
            if r == len(rows) - 1:
                ax.set_xlabel("time step")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, format="png", dpi=100)
    return figure


def _lstm_layers(layer, prefix=""):
    """`{key: LSTM layer}` for every LSTM inside `layer`, keyed by path."""
    found = {}
    for child in internals.all_layers(layer, include_self=False, recursive=False):
        if isinstance(child, keras.layers.Bidirectional):
            found[f"{prefix}{child.name}/forward"] = child.forward_layer
            found[f"{prefix}{child.name}/backward"] = child.backward_layer
        elif isinstance(child, keras.layers.LSTM):
            found[f"{prefix}{child.name}"] = child
        else:
            found.update(_lstm_layers(child, f"{prefix}{child.name}/"))
    return found


def _record_calls(model, x, layers):
    """`{layer: (sequences, initial_state, mask)}` of each layer's first loop
    in one inference call of `model` on `x`, Keras's own path throughout."""
    calls = {}

    def recorder(lstm, inner_loop):
        def recorded(sequences, initial_state, mask, training=False):
            calls.setdefault(lstm, (sequences, initial_state, mask))
            return inner_loop(sequences, initial_state, mask, training=training)

        return recorded

    layers = list(layers)
    for lstm in layers:
        lstm.inner_loop = recorder(lstm, lstm.inner_loop)
    try:
        with _fast.disabled():
            model(x, training=False)
    finally:
        for lstm in layers:
            del lstm.inner_loop  # the class's method again
    return calls


def _replay(lstm, sequences, initial_state, mask):
    """The step-by-step quantities of `lstm` on what it received, in input time order."""
    variant = getattr(lstm, "variant", "np")

    def numpy(value):  # torch: the weights' results carry autograd history
        return keras.ops.convert_to_numpy(keras.ops.stop_gradient(value))

    sequences = numpy(sequences).astype(lstm.cell.compute_dtype)
    states = [numpy(s) for s in keras.tree.flatten(initial_state)]
    if keras.tree.is_nested(mask):
        mask = mask[0]
    steps = sequences.shape[1]
    mask = np.ones(sequences.shape[:2], bool) if mask is None else numpy(mask).astype(bool)
    order = range(steps - 1, -1, -1) if lstm.go_backwards else range(steps)
    traces = {q: np.empty(sequences.shape[:2] + (lstm.units,), "float32") for q in QUANTITIES}
    for t in order:
        tensors = [keras.ops.convert_to_tensor(s) for s in states]
        values = step(lstm.cell, variant, keras.ops.convert_to_tensor(sequences[:, t]), tensors)
        values = {k: numpy(v) for k, v in values.items()}
        keep = mask[:, t, None]
        states = [
            np.where(keep, new, old) for new, old in zip(next_states(values), states, strict=False)
        ]
        for q in ("input", "forget", "output", "candidate"):
            traces[q][:, t] = np.where(keep, values[q], np.nan)
        traces["hidden"][:, t] = states[0]
        traces["cell"][:, t] = states[1]
    return traces
