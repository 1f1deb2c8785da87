"""Greff et al.'s LSTM variants (`zoo.layers.LSTM(variant=...)`) against closed forms
and a plain NumPy cell written three ways, on every backend."""

import keras
import numpy as np
import pytest

import zoo
from tests.helpers import all_variants_model, assert_same_outputs, outputs_and_gradients, pair
from zoo.layers import VARIANTS

UNITS, FEATURES, STEPS, BATCH = 3, 2, 5, 3
GATED = {"np": "ifco", "nig": "fco", "nfg": "ico", "cifg": "ico", "nog": "ifc"}
PEEPHOLES = {"np": "", "nig": "fo", "nfg": "io", "cifg": "io", "nog": "if"}


def closed_form(variant, units, features):
    """Weights of one cell, counted by hand from the paper's equations."""
    blocks = len(GATED.get(variant, "ifco"))
    peepholes = len(PEEPHOLES.get(variant, "ifo"))
    gate_recurrence = (3 * units) ** 2 if variant == "fgr" else 0
    return blocks * (units * features + units * units + units) + peepholes * units + gate_recurrence


def variant_layer(variant, seed=0, **kwargs):
    """A built layer whose every weight is random (peepholes far from zero)."""
    layer = zoo.layers.LSTM(UNITS, variant=variant, **kwargs)
    layer.build((None, None, FEATURES))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.6, size=w.shape) for w in layer.get_weights()])
    return layer


def inputs(seed=1):
    return np.random.default_rng(seed).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")


# === The NumPy reference: one cell update, pre-activations computed three ways ===


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def update(variant, pre, c, peep, previous_gates, gate_recurrent):
    """The paper's equations from the blocks' pre-activations `pre` (dict)."""
    if variant == "fgr":
        extra = previous_gates @ gate_recurrent
        pre = {
            **pre,
            **{g: pre[g] + extra[:, k * UNITS : (k + 1) * UNITS] for k, g in enumerate("ifo")},
        }
    one = np.ones_like(c)
    i = sigmoid(pre["i"] + peep.get("i", 0) * c) if "i" in pre else one
    if variant == "cifg":
        f = 1.0 - i
    else:
        f = sigmoid(pre["f"] + peep.get("f", 0) * c) if "f" in pre else one
    z = pre["c"] if variant == "niaf" else np.tanh(pre["c"])
    c = f * c + i * z
    o = sigmoid(pre["o"] + peep.get("o", 0) * c) if "o" in pre else one
    h = o * (c if variant == "noaf" else np.tanh(c))
    return h, c, np.concatenate([i, f, o], axis=1)


def unpack(layer):
    """The layer's weights as float64 NumPy: separate blocks and the rest."""
    cell = layer.cell
    names = GATED.get(layer.variant, "ifco")
    as_np = lambda v: keras.ops.convert_to_numpy(v).astype("float64")  # noqa: E731
    kernel, recurrent, bias = as_np(cell.kernel), as_np(cell.recurrent_kernel), as_np(cell.bias)
    peep = {
        g: as_np(getattr(cell, f"peephole_{name}"))
        for g, name in zip("ifo", ("input", "forget", "output"), strict=True)
        if hasattr(cell, f"peephole_{name}")
    }
    gate_recurrent = as_np(cell.gate_recurrent_kernel) if layer.variant == "fgr" else None
    return names, kernel, recurrent, bias, peep, gate_recurrent


def run_reference(layer, x, way):
    names, kernel, recurrent, bias, peep, gate_recurrent = unpack(layer)
    split = lambda m: np.split(m, len(names), axis=-1)  # noqa: E731
    separate = {
        g: (w, r, b)
        for g, w, r, b in zip(names, split(kernel), split(recurrent), split(bias), strict=True)
    }
    fused = np.concatenate([kernel, recurrent, bias[None]], axis=0)
    h = c = np.zeros((len(x), UNITS))
    gates = np.zeros((len(x), 3 * UNITS))
    outputs = []
    for t in range(x.shape[1]):
        xt = x[:, t].astype("float64")
        if way == "separate":
            pre = {g: xt @ w + h @ r + b for g, (w, r, b) in separate.items()}
        elif way == "concatenated":
            pre = dict(zip(names, split(xt @ kernel + h @ recurrent + bias), strict=True))
        else:  # one matrix over [x, h, 1]
            joined = np.concatenate([xt, h, np.ones((len(x), 1))], axis=1)
            pre = dict(zip(names, split(joined @ fused), strict=True))
        h, c, gates = update(layer.variant, pre, c, peep, gates, gate_recurrent)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


# === Tests ===


@pytest.mark.parametrize("variant", VARIANTS)
def test_parameter_count_is_the_closed_form(variant):
    layer = zoo.layers.LSTM(UNITS, variant=variant)
    layer.build((None, STEPS, FEATURES))
    assert layer.count_params() == closed_form(variant, UNITS, FEATURES)
    names = sorted(w.path.split("/")[-1] for w in layer.weights)
    expected = ["bias", "kernel", "recurrent_kernel"]
    expected += [
        f"peephole_{n}"
        for g, n in zip("ifo", ("input", "forget", "output"), strict=True)
        if g in PEEPHOLES.get(variant, "ifo")
    ]
    expected += ["gate_recurrent_kernel"] if variant == "fgr" else []
    assert names == sorted(expected)
    both = keras.layers.Bidirectional(zoo.layers.LSTM(UNITS, variant=variant))
    both.build((None, STEPS, FEATURES))
    assert both.count_params() == 2 * closed_form(variant, UNITS, FEATURES)


def test_np_equals_keras_lstm_outputs_states_gradients():
    """The default cell is Keras's: outputs, states and every gradient (1e-6)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    h0, c0 = (rng.normal(size=(BATCH, 4)).astype("float32") for _ in range(2))
    ours, theirs = pair(units=4, features=FEATURES, return_sequences=True, return_state=True)
    assert ours.variant == "np" and type(ours.cell) is keras.layers.LSTMCell
    upstream = [
        rng.normal(size=s).astype("float32") for s in [(BATCH, STEPS, 4), (BATCH, 4), (BATCH, 4)]
    ]
    got, got_grads = outputs_and_gradients(ours, x, h0, c0, None, upstream)
    want, want_grads = outputs_and_gradients(theirs, x, h0, c0, None, upstream)
    for a, b in zip(got + got_grads, want + want_grads, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)
    assert min(np.abs(g).max() for g in want_grads) > 0.05  # gradients that can differ


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_matches_the_numpy_cell_three_ways(variant):
    layer = variant_layer(variant, return_sequences=True, return_state=True)
    x = inputs()
    outputs, h, c, *rest = (keras.ops.convert_to_numpy(v) for v in layer(x))
    assert len(rest) == (1 if variant == "fgr" else 0)
    for way in ("separate", "concatenated", "fused"):
        want_outputs, want_h, want_c = run_reference(layer, x, way)
        np.testing.assert_allclose(outputs, want_outputs, atol=1e-5, rtol=0, err_msg=way)
        np.testing.assert_allclose(h, want_h, atol=1e-5, rtol=0, err_msg=way)
        np.testing.assert_allclose(c, want_c, atol=1e-5, rtol=0, err_msg=way)


def test_cifg_couples_the_gates_and_nfg_never_forgets():
    x = inputs()
    cifg = zoo.inspect.gates(
        keras.Sequential([keras.Input((STEPS, FEATURES)), variant_layer("cifg")]), x
    )
    found = next(iter(cifg.values()))
    np.testing.assert_array_equal(found["forget"], 1.0 - found["input"])
    assert np.ptp(found["input"]) > 0.1  # a gate that moves
    nfg_layer = variant_layer("nfg", return_sequences=True)
    nfg = next(
        iter(
            zoo.inspect.gates(
                keras.Sequential([keras.Input((STEPS, FEATURES)), nfg_layer]), x
            ).values()
        )
    )
    np.testing.assert_array_equal(nfg["forget"], 1.0)
    # f = 1: the cell only adds, c_t = c_{t-1} + i_t * z_t
    added = np.cumsum(nfg["input"] * nfg["candidate"], axis=1)
    np.testing.assert_allclose(nfg["cell"], added, atol=1e-5)


def test_peephole_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    # unrolled: the same steps, and eager calls of a few steps cost little on every backend
    layer = variant_layer("vanilla", return_sequences=True, return_state=True, unroll=True)
    x = inputs()
    h0, c0 = (rng.normal(size=(BATCH, UNITS)).astype("float32") for _ in range(2))
    shapes = [(BATCH, STEPS, UNITS), (BATCH, UNITS), (BATCH, UNITS)]
    upstream = [rng.normal(size=s).astype("float32") for s in shapes]
    _, grads = outputs_and_gradients(layer, x, h0, c0, None, upstream)
    by_name = {
        v.path.split("/")[-1]: g for v, g in zip(layer.trainable_variables, grads[3:], strict=True)
    }

    def total():
        values = layer(x, initial_state=[h0, c0])
        return sum(
            float(np.sum(keras.ops.convert_to_numpy(v) * u))
            for v, u in zip(values, upstream, strict=True)
        )

    eps = 1e-2
    for name in ("peephole_input", "peephole_forget", "peephole_output"):
        variable = getattr(layer.cell, name)
        start = keras.ops.convert_to_numpy(variable).copy()
        numeric = np.empty_like(start)
        for k in range(UNITS):
            sums = []
            for step in (eps, -eps):
                moved = start.copy()
                moved[k] += step
                variable.assign(moved)
                sums.append(total())
            numeric[k] = (sums[0] - sums[1]) / (2 * eps)
        variable.assign(start)
        np.testing.assert_allclose(by_name[name], numeric, atol=2e-3, rtol=1e-2, err_msg=name)
        assert np.abs(numeric).max() > 0.05, name


def test_save_and_reload_every_variant(tmp_path):
    model = all_variants_model(STEPS, FEATURES, UNITS)
    x = inputs()
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "variants.keras")
    reloaded = keras.saving.load_model(tmp_path / "variants.keras", safe_mode=True)
    assert [la.variant for la in reloaded.layers if isinstance(la, zoo.layers.LSTM)] == list(
        VARIANTS
    )
    assert_same_outputs(reloaded.predict(x, verbose=0), expected, atol=1e-6)
    config = reloaded.get_layer("fgr").get_config()
    assert config["variant"] == "fgr" and config["units"] == UNITS


def test_variants_train_with_dropout_masking_and_bidirectional():
    """Every option of the layer on a variant: a padded batch gives each
    sequence its unpadded outputs, dropout and recurrent dropout draw masks."""
    x = inputs()
    x[0, 3:] = 0.0
    rnn = zoo.layers.LSTM(
        UNITS, variant="fgr", return_sequences=True, dropout=0.5, recurrent_dropout=0.5
    )
    model = keras.Sequential(
        [keras.Input((None, FEATURES)), keras.layers.Masking(), keras.layers.Bidirectional(rnn)]
    )
    padded = keras.ops.convert_to_numpy(model(x))
    alone = keras.ops.convert_to_numpy(model(x[:1, :3]))
    np.testing.assert_allclose(padded[:1, :3], alone, atol=1e-6)
    np.testing.assert_array_equal(padded[0, 3:], 0.0)  # Bidirectional zeroes masked steps
    dropped = keras.ops.convert_to_numpy(model(x, training=True))
    assert np.abs(dropped - padded).max() > 1e-3


def test_fgr_returns_its_gate_state_and_accepts_h_and_c():
    layer = variant_layer("fgr", return_state=True)
    x = inputs()
    h0 = np.full((BATCH, UNITS), 0.3, "float32")
    output, h, c, previous_gates = layer(x, initial_state=[h0, h0])
    assert tuple(previous_gates.shape) == (BATCH, 3 * UNITS)
    _, h_again, _, _ = layer(x, initial_state=[h0, h0, np.zeros((BATCH, 3 * UNITS), "float32")])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(h), keras.ops.convert_to_numpy(h_again), atol=1e-6
    )


def test_bad_variants_are_input_errors():
    with pytest.raises(zoo.InputError, match=r"variant.*'np', 'vanilla'.*Received: variant='gru'"):
        zoo.layers.LSTM(4, variant="gru")
    with pytest.raises(zoo.InputError, match="variant"):
        zoo.lstm((5, 2), num_classes=2, variant="peephole")
    with pytest.raises(zoo.InputError, match="variant"):
        zoo.lstm_autoencoder((5, 2), variant=None)
    with pytest.raises(zoo.InputError, match="use_cudnn=True"):
        zoo.layers.LSTM(4, variant="cifg", use_cudnn=True)


def test_only_the_standard_cell_may_fuse():
    assert zoo.layers.LSTM(4)._may_fuse()
    assert not any(zoo.layers.LSTM(4, variant=v)._may_fuse() for v in VARIANTS if v != "np")
    for builder, kwargs in [
        (zoo.lstm_fcn, dict(units=3, filters=(4,), kernel_sizes=(3,), num_classes=2)),
        (zoo.lstm_autoencoder, dict(latent_dim=2, encoder_units=3, decoder_units=3)),
    ]:
        model = builder((STEPS, FEATURES), variant="noaf", **kwargs)
        lstms = [la for la in model._flatten_layers() if isinstance(la, keras.layers.LSTM)]
        assert lstms and all(la.variant == "noaf" for la in lstms), builder.__name__


def test_every_variant_exports_to_onnx_with_keras_numbers(tmp_path):
    import onnxruntime

    model = all_variants_model(6, 3, units=3)
    x = np.random.default_rng(5).normal(size=(2, 6, 3)).astype("float32")
    zoo.export(model, tmp_path / "variants.onnx", format="onnx")
    session = onnxruntime.InferenceSession(
        str(tmp_path / "variants.onnx"), providers=["CPUExecutionProvider"]
    )
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    want = model.predict(x, verbose=0)
    assert got.shape == want.shape == (2, 3 * len(VARIANTS))
    np.testing.assert_allclose(got, want, atol=1e-5)
