"""zoo.export: every builder's model as ONNX and LiteRT files, run in their own runtimes.

Each registered builder is built small with fixed random weights, once per
module, in two variants: plain, and masked (variable length with a padded
batch; for the autoencoder, which takes no mask, the conditional decoder
that reads its own outputs). The files run in ONNX Runtime and the LiteRT
interpreter and must give Keras's `predict` within 1e-5.
"""

import keras
import numpy as np
import pytest

import zoo

BACKEND = keras.backend.backend()
ATOL = 1e-5
STEPS, FEATURES, BATCH = 5, 2, 3
LENGTHS = (4, 3, 2)  # the masked variant's batch, right-padded to STEPS
SHORT = max(LENGTHS)  # a file of variable length also runs the batch cut to this length
MASK_VALUE = -1.0

# What Keras 3.15 offers per backend; every other pair must be refused.
OFFERED = {
    "tensorflow": {"onnx", "litert", "saved_model"},
    "jax": {"onnx", "saved_model"},
    "torch": {"onnx", "litert"},
}

# name -> (plain kwargs, variant kwargs); the input shape is added per variant
CASES = {
    "deepar": (dict(units=(4, 3)), dict(distribution="negative_binomial")),
    "mqrnn": (
        dict(horizon=2, quantiles=(0.1, 0.5, 0.9), units=3, head_units=(4,)),
        dict(quantiles=(0.5,)),
    ),
    "lstm": (
        dict(units=4, num_classes=3),
        dict(masking=True, mask_value=MASK_VALUE, bidirectional=True),
    ),
    "stacked_lstm": (
        dict(units=(4, 3), head="regression", num_outputs=2),
        dict(masking=True, mask_value=MASK_VALUE),
    ),
    "lstm_fcn": (
        dict(units=3, filters=(4,), kernel_sizes=(3,), num_classes=2, attention=True),
        dict(masking=True, mask_value=MASK_VALUE),
    ),
    "mlstm_fcn": (
        dict(units=3, filters=(4, 4), kernel_sizes=(3, 2), reduction=2, head="regression"),
        dict(masking=True, mask_value=MASK_VALUE),
    ),
    "lstm_autoencoder": (
        dict(latent_dim=3, encoder_units=(4,), decoder_units=(4,), future_steps=2),
        dict(conditional=True),
    ),
}
PARAMS = [(name, variant) for name in sorted(CASES) for variant in ("plain", "masked")]


def test_every_builder_has_a_case():
    assert sorted(CASES) == zoo.list_models()


class Case:
    """A built model with fixed random weights, its inputs and Keras's outputs."""

    def __init__(self, name, variant):
        plain, other = CASES[name]
        kwargs = dict(plain, **other) if variant == "masked" else dict(plain)
        self.variable = variant == "masked" and "masking" in kwargs
        self.model = zoo.get_model(
            name, input_shape=(None if self.variable else STEPS, FEATURES), **kwargs
        )
        rng = np.random.default_rng(0)
        for weight in self.model.weights:
            if "variance" in weight.path:
                weight.assign(rng.uniform(0.5, 1.5, weight.shape).astype("float32"))
            else:
                weight.assign(rng.normal(0.0, 0.5, weight.shape).astype("float32"))
        self.x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
        if self.variable:
            for row, length in enumerate(LENGTHS):
                self.x[row, length:] = MASK_VALUE
        if isinstance(self.model.input, dict):  # the conditional composite's unread future
            future = self.model.input["true_future"].shape[1:]
            self.x = {"sequence": self.x, "true_future": np.zeros((BATCH, *future), "float32")}
        self.expected = outputs_in_order(self.model.predict(self.x, verbose=0))


def outputs_in_order(outputs):
    """Keras's outputs as a list, a dict's by sorted name (as the runtimes name them)."""
    if isinstance(outputs, dict):
        return [np.asarray(outputs[k]) for k in sorted(outputs)]
    return [np.asarray(o) for o in keras.tree.flatten(outputs)]


@pytest.fixture(scope="module")
def cases():
    return {}


@pytest.fixture
def case(request, cases):
    key = request.param
    if key not in cases:
        cases[key] = Case(*key)
    return cases[key]


def export_or_skip(model, path, format, **kwargs):
    if format not in OFFERED[BACKEND]:
        pytest.skip(f"Keras 3.15 offers no {format} export on the {BACKEND} backend")
    return zoo.export(model, path, format, **kwargs)


def assert_same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, atol=ATOL, rtol=0)


def by_name(x, name):
    """The array for a file's input `name`: the one array, or the dict entry it names
    (litert-torch prefixes the model's input names: "args_0_sequence")."""
    if not isinstance(x, dict):
        return x
    (key,) = [k for k in x if name == k or name.endswith(f"_{k}")]
    return x[key]


# === ONNX ===


def run_onnx(path, x, names):
    """The file's outputs of those names (zoo.export names them as Keras does), for `x`."""
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {i.name: by_name(x, i.name) for i in session.get_inputs()}
    return session.run(names, feeds)


@pytest.mark.parametrize("case", PARAMS, indirect=True, ids=lambda p: "-".join(p))
def test_onnx_gives_keras_numbers(case, tmp_path):
    path = str(tmp_path / "model.onnx")
    fixed = BACKEND == "torch"  # torch's exporters trace one sequence length
    timesteps = STEPS if case.variable and fixed else None
    export_or_skip(case.model, path, "onnx", timesteps=timesteps)
    assert_same(run_onnx(path, case.x, case.model.output_names), case.expected)
    if case.variable and not fixed:  # the padding is masked: less of it, the same numbers
        assert_same(run_onnx(path, case.x[:, :SHORT], case.model.output_names), case.expected)


# === LiteRT ===


def run_litert(path, x):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    (key,) = interpreter.get_signature_list()
    runner = interpreter.get_signature_runner(key)
    names = interpreter.get_signature_list()[key]["inputs"]
    outputs = runner(**{name: by_name(x, name) for name in names})
    return [outputs[k] for k in sorted(outputs)]


def custom_operators(path):
    """Operators outside LiteRT's built-in set (Flex ops), read from the file itself."""
    from ai_edge_litert import schema_py_generated as schema

    with open(path, "rb") as f:
        model = schema.Model.GetRootAs(f.read(), 0)
    codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
    return [
        c.CustomCode()
        for c in codes
        if max(c.BuiltinCode(), c.DeprecatedBuiltinCode()) == schema.BuiltinOperator.CUSTOM
    ]


@pytest.mark.parametrize("case", PARAMS, indirect=True, ids=lambda p: "-".join(p))
def test_litert_gives_keras_numbers_with_builtin_operators(case, tmp_path):
    path = str(tmp_path / "model.tflite")
    timesteps = STEPS if case.variable and BACKEND == "torch" else None
    export_or_skip(case.model, path, "litert", batch_size=BATCH, timesteps=timesteps)
    assert custom_operators(path) == []
    assert_same(run_litert(path, case.x), case.expected)
    if case.variable and BACKEND == "tensorflow":
        assert_same(run_litert(path, case.x[:, :SHORT]), case.expected)


# === SavedModel ===


def test_saved_model_gives_keras_numbers(cases, tmp_path):
    key = ("lstm", "masked")
    case = cases.setdefault(key, Case(*key))
    path = str(tmp_path / "saved")
    export_or_skip(case.model, path, "saved_model")
    import tensorflow as tf

    loaded = tf.saved_model.load(path)  # kept: the served function needs its variables
    assert_same(outputs_in_order(np.asarray(loaded.serve(case.x))), case.expected)


# === Refusals ===


def test_a_format_not_offered_is_one_clear_error(tmp_path, monkeypatch):
    model = zoo.lstm((STEPS, FEATURES), units=2, num_classes=2)
    for format in sorted({"onnx", "litert", "saved_model"} - OFFERED[BACKEND]):
        path = tmp_path / ("model.tflite" if format == "litert" else "model")
        message = (
            f"Cannot export to format='{format}' on the {BACKEND} backend: Keras .*KERAS_BACKEND="
        )
        with pytest.raises(zoo.InputError, match=message):
            zoo.export(model, path, format)
        assert not path.exists()
    # a Keras backend with no export at all (numpy, openvino)
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    message = "format='onnx' on the numpy backend: Keras exports from the tensorflow, jax and torch"
    with pytest.raises(zoo.InputError, match=message):
        zoo.export(model, tmp_path / "model.onnx")


def test_bad_arguments_are_one_clear_error(tmp_path):
    model = zoo.lstm((STEPS, FEATURES), units=2, num_classes=2)
    with pytest.raises(zoo.InputError, match=r"Expected `format` to be one of .* format='tflite'"):
        zoo.export(model, tmp_path / "m", "tflite")
    with pytest.raises(zoo.InputError, match=rf"Expected `timesteps` .* own {STEPS} time steps"):
        zoo.export(model, tmp_path / "m.onnx", "onnx", timesteps=STEPS + 1)
    with pytest.raises(zoo.InputError, match="Expected `batch_size` to be a positive int"):
        zoo.export(model, tmp_path / "m.onnx", "onnx", batch_size=0)
    if "litert" in OFFERED[BACKEND]:
        with pytest.raises(zoo.InputError, match=r"end with '.tflite' for format='litert'"):
            zoo.export(model, tmp_path / "m.lite", "litert")
    if BACKEND == "torch":  # its exporters trace Keras's loop over one sequence length
        variable = zoo.lstm((None, FEATURES), units=2, num_classes=2, masking=True)
        with pytest.raises(zoo.InputError, match="on the torch backend: .* Pass `timesteps=`"):
            zoo.export(variable, tmp_path / "m.onnx", "onnx")


def test_a_litert_file_with_flex_operators_is_refused(tmp_path, monkeypatch):
    if "litert" not in OFFERED[BACKEND]:
        pytest.skip(f"Keras 3.15 offers no litert export on the {BACKEND} backend")
    model = zoo.lstm((STEPS, FEATURES), units=2, num_classes=2)
    path = tmp_path / "model.tflite"
    flex = flex_file()
    monkeypatch.setattr(model, "export", lambda p, **kwargs: open(p, "wb").write(flex))
    with pytest.raises(
        zoo.InputError, match="outside LiteRT's built-in set .*FlexTensorListReserve"
    ):
        zoo.export(model, path, "litert")
    assert not path.exists()


def flex_file():
    """The bytes of a LiteRT file whose one operator is a Flex (TensorFlow) op."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode = "FlexTensorListReserve"
    model = schema.ModelT()
    model.version = 3
    model.operatorCodes = [code]
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
