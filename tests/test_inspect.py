"""`zoo.inspect`: gates over time from the layers' own weights; the recipes that use it."""

import csv

import keras
import numpy as np
import pytest

import zoo
from recipes import classify, variants
from tests.recipe_helpers import run_in_process
from zoo.layers import VARIANTS

FEATURES, UNITS = 2, 3


def padded_batch(steps=6):
    """Three sequences, the second right-padded after 4 steps, the third after 2."""
    x = np.random.default_rng(0).normal(size=(3, steps, FEATURES)).astype("float32")
    x[1, 4:] = 0.0
    x[2, 2:] = 0.0
    return x


@pytest.mark.parametrize("variant", VARIANTS)
def test_hidden_state_is_the_layer_output_masked_steps_included(variant):
    model = zoo.lstm(
        (None, FEATURES), UNITS, head=None, return_sequences=True, masking=True, variant=variant
    )
    x = padded_batch()
    found = zoo.inspect.gates(model, x)
    assert list(found) == ["lstm_1"]
    traces = found["lstm_1"]
    assert sorted(traces) == sorted(zoo.inspect.QUANTITIES)
    output = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(traces["hidden"], output, atol=1e-5)
    # masked steps: states carried over, gates not computed
    np.testing.assert_array_equal(traces["cell"][2, 2:], traces["cell"][2, 1:2].repeat(4, 0))
    assert np.isnan(traces["input"][2, 2:]).all() and np.isfinite(traces["input"][0]).all()
    for gate in ("input", "forget", "output"):
        real = traces[gate][0]
        assert ((real >= 0) & (real <= 1)).all(), gate


def test_bidirectional_directions_and_nested_layers():
    model = zoo.stacked_lstm(
        (5, FEATURES), (UNITS, 2), head=None, bidirectional=True, variant="vanilla"
    )
    x = padded_batch(5)
    found = zoo.inspect.gates(model, x)
    assert list(found) == [
        "bidirectional_1/forward",
        "bidirectional_1/backward",
        "bidirectional_2/forward",
        "bidirectional_2/backward",
    ]
    last = keras.ops.convert_to_numpy(model(x))  # final forward state, then backward's
    np.testing.assert_allclose(
        last[:, :2], found["bidirectional_2/forward"]["hidden"][:, -1], atol=1e-5
    )
    # the backward direction, in input time order, ends its reading at step 0
    np.testing.assert_allclose(
        last[:, 2:], found["bidirectional_2/backward"]["hidden"][:, 0], atol=1e-5
    )
    only = zoo.inspect.gates(model, x, layer="bidirectional_2")
    assert list(only) == ["bidirectional_2/forward", "bidirectional_2/backward"]
    ae = zoo.lstm_autoencoder((5, FEATURES), latent_dim=2, encoder_units=UNITS, decoder_units=UNITS)
    assert list(zoo.inspect.gates(ae, x)) == [
        "encoder/encoder_lstm_0",
        "reconstruction_decoder/lstm_0",
    ]
    with pytest.raises(
        zoo.InputError, match=r"layer.*'encoder/encoder_lstm_0'.*Received: layer='lstm'"
    ):
        zoo.inspect.gates(ae, x, layer="lstm")


def test_plot_gates_writes_heatmaps(tmp_path):
    model = zoo.lstm_fcn(
        (6, FEATURES), units=UNITS, filters=(4,), kernel_sizes=(3,), num_classes=2, variant="cifg"
    )
    figure = zoo.inspect.plot_gates(model, padded_batch()[:2], path=tmp_path / "gates.png")
    assert (tmp_path / "gates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(figure.axes) >= 2 * len(
        zoo.inspect.QUANTITIES
    )  # 2 sequences x 6 heatmaps (+ colorbars)
    titles = [ax.get_title() for ax in figure.axes[: 2 * len(zoo.inspect.QUANTITIES)]]
    assert "forget gate" in titles and "hidden" in titles
    with pytest.raises(zoo.InputError, match="at most 1 rows"):
        zoo.inspect.plot_gates(model, padded_batch()[:2], max_rows=1)


def digits_file(tmp_path, n=90):
    """A small three-class file of the bundled digits."""
    x, y = zoo.data.load_digits()
    keep = np.isin(y, [0, 1, 7])
    path = tmp_path / "digits.npz"
    np.savez(path, x=x[keep][:n], y=y[keep][:n])
    return path


# a few optimizer steps on a small file: the recipes' flow, not their accuracy
TINY = ["--units", "4", "--max-steps", "2", "--min-steps", "1", "--batch-size", "32"]


def test_classify_plot_gates_writes_gates_png(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--train", digits_file(tmp_path), "--model", "lstm", *TINY, "--out", out]
    argv += ["--no-classic-baselines", "--plot-gates"]
    status, stdout, stderr = run_in_process(classify.main, argv, capsys)
    assert status == 0, stderr
    assert (out / "gates.png").read_bytes()[:4] == b"\x89PNG"


def test_variants_recipe_end_to_end(tmp_path, capsys):
    out = tmp_path / "variants"
    argv = ["--train", digits_file(tmp_path), "--variants", "np,nfg", "--seeds", "0", *TINY]
    argv += ["--out", out]
    status, stdout, stderr = run_in_process(variants.main, argv, capsys)
    assert status == 0, stderr
    with open(out / "variants.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["variant"], r["seed"]) for r in rows] == [("np", "0"), ("nfg", "0")]
    # digits: 8 features; nfg has 3 blocks of weights and 2 peepholes
    assert [int(r["parameters"]) for r in rows] == [
        4 * (4 * 8 + 16 + 4) + 4 * 3 + 3,
        3 * (4 * 8 + 16 + 4) + 2 * 4 + 4 * 3 + 3,
    ]
    assert all(0.0 <= float(r["test_accuracy"]) <= 1.0 for r in rows)
    table = (out / "variants.md").read_text()
    assert "| nfg |" in table and "forget gate is critical" in table
    assert (out / "variants.png").read_bytes()[:4] == b"\x89PNG"
    status, _, stderr = run_in_process(
        variants.main, ["--variants", "np,lstm2", "--out", out], capsys
    )
    assert status == 2 and "lstm2" in stderr and len(stderr.strip().splitlines()) == 1
