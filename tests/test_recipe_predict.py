"""`python -m recipes.predict`: a finished run predicts new data with its saved
preparation, and gives the numbers the run gave for its own test set."""

import csv
import json
import re

import keras
import numpy as np
import pytest

from recipes import _run, anomaly, classify, embed, predict, regress
from tests.recipe_helpers import run_in_process

TINY = ["--max-steps", "12", "--min-steps", "1", "--batch-size", "16"]


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def close(a, b):
    np.testing.assert_allclose(np.array(a, float), np.array(b, float), rtol=1e-5, atol=1e-6)


def train(main, argv, out, capsys):
    status, _, stderr = run_in_process(main, [*argv, *TINY, "--out", out], capsys)
    assert status == 0, stderr
    return json.loads((out / _run.NAME).read_text())


def predicted(argv, capsys):
    status, stdout, stderr = run_in_process(predict.main, argv, capsys)
    assert status == 0, stderr
    return stdout


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    """Train and test .npz files of three sine frequencies, 2 channels, string labels."""
    folder = tmp_path_factory.mktemp("waves")
    rng = np.random.default_rng(0)
    for part, n in (("train", 60), ("test", 30)):
        labels = rng.integers(0, 3, size=n)
        t = np.arange(16)
        x = np.sin((labels[:, None] + 1) * 0.4 * t + rng.uniform(0, 6, (n, 1)))
        x = np.stack([x, 5 + 2 * x], axis=-1) + 0.1 * rng.normal(size=(n, 16, 2))
        np.savez(folder / f"{part}.npz", x=x.astype("float32"), y=np.array(["a", "b", "c"])[labels])
    np.savez(folder / "unlabelled.npz", x=np.load(folder / "test.npz")["x"])
    return folder


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory):
    rng = np.random.default_rng(1)
    t = np.arange(160)
    level = 20 + 4 * np.sin(2 * np.pi * t / 12) + 0.05 * t + 0.3 * rng.normal(size=len(t))
    path = tmp_path_factory.mktemp("series") / "series.csv"
    lines = ["step,level,driver"] + [
        f"{i},{v:.4f},{np.cos(2 * np.pi * i / 12):.4f}" for i, v in enumerate(level)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_classify_run_predicts_its_own_test_set(waves, tmp_path, capsys):
    run_dir = tmp_path / "run"
    argv = ["--train", waves / "train.npz", "--test", waves / "test.npz"]
    run = train(
        classify.main, [*argv, "--no-classic-baselines", "--export", "onnx"], run_dir, capsys
    )
    assert run["version"] == _run.VERSION and run["task"] == "classification"
    assert run["input"] == {"steps": 16, "features": 2}
    prep = run["preparation"]
    assert prep["normalize"] == "global" and prep["classes"] == ["a", "b", "c"]
    assert len(prep["scaler"]["mean"]) == 2 and prep["scaler"]["mean"][1] > 4  # channel 2 ~ 5
    stdout = predicted(["--run", run_dir, "--data", waves / "test.npz", "--out", tmp_path], capsys)
    ours, theirs = rows(tmp_path / "predictions.csv"), rows(run_dir / "predictions.csv")
    assert [r["predicted"] for r in ours] == [r["predicted"] for r in theirs]
    assert [r["true"] for r in ours] == [r["true"] for r in theirs]
    probabilities = np.array([[float(r[f"probability_{c}"]) for c in "abc"] for r in ours])
    close(probabilities.sum(axis=1), np.ones(len(ours)))
    accuracy = json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
    assert f"accuracy on 30 labelled sequences: {accuracy:.4f}" in stdout
    # without labels: the same predictions, no "true" column
    predicted(["--run", run_dir, "--data", waves / "unlabelled.npz", "--out", tmp_path], capsys)
    unlabelled = rows(tmp_path / "predictions.csv")
    assert "true" not in unlabelled[0]
    assert [r["predicted"] for r in unlabelled] == [r["predicted"] for r in theirs]
    # --export onnx: the exported file gives the saved model's numbers
    import onnxruntime

    session = onnxruntime.InferenceSession(str(run_dir / "model.onnx"))
    x = np.random.default_rng(2).normal(size=(5, 16, 2)).astype("float32")
    (exported,) = session.run(None, {session.get_inputs()[0].name: x})
    expected = keras.saving.load_model(run_dir / "model.keras").predict(x, verbose=0)
    np.testing.assert_allclose(exported, expected, atol=1e-5)


def scaled(x, state):
    """`x` (n, steps, features) through a run file's scaler, by its numbers."""
    if state["kind"] == "standard":
        return (x - np.array(state["mean"])) / np.array(state["scale"])
    return x * np.array(state["scale"]) + np.array(state["min"])


def shifted(waves, folder):
    """The test set moved and stretched: a scaler fit on it would differ from the run's."""
    with np.load(waves / "test.npz") as saved:
        x, y = 3 * saved["x"] + 7, saved["y"]
    np.savez(folder / "shifted.npz", x=x, y=y)
    return folder / "shifted.npz", x


def test_classify_replays_the_runs_scaler_on_other_data(classify_run, waves, tmp_path, capsys):
    new, x = shifted(waves, tmp_path)
    predicted(["--run", classify_run, "--data", new, "--out", tmp_path / "p"], capsys)
    run = json.loads((classify_run / _run.NAME).read_text())
    model = keras.saving.load_model(classify_run / "model.keras")
    expected = model.predict(scaled(x, run["preparation"]["scaler"]).astype("float32"), verbose=0)
    ours = rows(tmp_path / "p" / "predictions.csv")
    close([[r[f"probability_{c}"] for c in "abc"] for r in ours], expected)


def test_export_flag_refuses_before_training(waves, tmp_path, capsys):
    argv = ["--train", waves / "train.npz", "--out", tmp_path / "run", "--export"]
    status, _, stderr = run_in_process(classify.main, [*argv, "onnx,bogus"], capsys)
    assert status == 2 and stderr == (
        "python -m recipes.classify: error: argument --export: expected formats from onnx, "
        "litert, saved_model, comma-separated, got 'onnx,bogus'\n"
    )
    if keras.backend.backend() == "jax":  # the one route Keras does not offer on jax
        status, _, stderr = run_in_process(classify.main, [*argv, "litert"], capsys)
        assert status == 2
        assert "argument --export: Cannot export to format='litert' on the jax backend" in stderr
    assert not (tmp_path / "run").exists()


def test_forecasting_run_predicts_its_test_windows_and_the_future(series_csv, tmp_path, capsys):
    run_dir = tmp_path / "run"
    argv = ["--data", series_csv, "--target", "level", "--date-column", "step"]
    argv += ["--window", "12", "--horizon", "2", "--season", "12", "--forecast", "3"]
    run = train(regress.main, [*argv, "--units", "8,8"], run_dir, capsys)
    prep = run["preparation"]
    assert run["task"] == "forecasting" and prep["predict"] == "seasonal"
    assert prep["transform"] == "log" and prep["season"] == 12 and prep["horizon"] == 2
    argv = ["--run", run_dir, "--data", series_csv, "--forecast", "3", "--out", tmp_path]
    predicted(argv, capsys)
    ours = {(r["time"], r["step"]): r for r in rows(tmp_path / "predictions.csv")}
    theirs = rows(run_dir / "predictions.csv")
    assert len(ours) == 2 * 147  # first target rows 12..158, 2 steps each
    close(
        [ours[r["time"], r["step"]]["predicted"] for r in theirs], [r["predicted"] for r in theirs]
    )
    close([ours[r["time"], r["step"]]["true"] for r in theirs], [r["true"] for r in theirs])
    future, expected = rows(tmp_path / "forecast.csv"), rows(run_dir / "forecast.csv")
    assert [r["time"] for r in future] == ["160", "161", "162"]
    close([r["level"] for r in future], [r["level"] for r in expected])


def test_series_to_number_run_predicts_its_test_set(waves, tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    for part in ("train", "test"):
        with np.load(waves / f"{part}.npz") as saved:
            x = saved["x"]
        np.savez(folder / f"{part}.npz", x=x, y=x[:, :, 0].mean(axis=1) * 10 + 3)
    run_dir = tmp_path / "run"
    argv = ["--train", folder / "train.npz", "--test", folder / "test.npz", "--units", "8,8"]
    run = train(regress.main, argv, run_dir, capsys)
    assert run["task"] == "series-to-number" and run["input"]["steps"] == 16
    predicted(["--run", run_dir, "--data", folder / "test.npz", "--out", tmp_path], capsys)
    ours, theirs = rows(tmp_path / "predictions.csv"), rows(run_dir / "predictions.csv")
    close([r["predicted"] for r in ours], [r["predicted"] for r in theirs])
    close([r["true"] for r in ours], [r["true"] for r in theirs])
    # other data: the run's scalers, in and out, not ones refit on it
    new, x = shifted(folder, tmp_path)
    predicted(["--run", run_dir, "--data", new, "--out", tmp_path / "p"], capsys)
    prep = run["preparation"]
    model = keras.saving.load_model(run_dir / "model.keras")
    outputs = model.predict(scaled(x, prep["input_scaler"]).astype("float32"), verbose=0)
    target = prep["target_scaler"]
    assert target["kind"] == "standard"
    expected = outputs[:, 0] * target["scale"][0] + target["mean"][0]
    close([r["predicted"] for r in rows(tmp_path / "p" / "predictions.csv")], expected)


@pytest.mark.one_backend(
    "an anomaly run replayed (predict replays runs on every backend in this file's other tests)"
)
def test_anomaly_runs_score_new_data_with_the_saved_threshold(series_csv, waves, tmp_path, capsys):
    # series: scoring the test rows alone reproduces the run's scores.csv
    run_dir = tmp_path / "series"
    argv = ["--data", series_csv, "--target", "level", "--window", "12"]
    run = train(anomaly.main, [*argv, "--units", "8", "--latent-dim", "4"], run_dir, capsys)
    assert run["task"] == "anomaly-series" and run["preparation"]["threshold"] > 0
    theirs = rows(run_dir / "scores.csv")
    lines = series_csv.read_text().splitlines()
    first = int(theirs[0]["time"])
    test_rows = tmp_path / "test_rows.csv"
    test_rows.write_text("\n".join([lines[0], *lines[1 + first :]]) + "\n")
    predicted(["--run", run_dir, "--data", test_rows, "--out", tmp_path / "p1"], capsys)
    ours = rows(tmp_path / "p1" / "predictions.csv")
    assert len(ours) == len(theirs)
    close([r["error"] for r in ours], [r["error"] for r in theirs])
    assert [r["flagged"] for r in ours] == [r["flagged"] for r in theirs]
    # labelled sequences: class "a" is normal
    run_dir = tmp_path / "sequences"
    argv = ["--train", waves / "train.npz", "--test", waves / "test.npz", "--normal-label", "a"]
    run = train(anomaly.main, [*argv, "--units", "8", "--latent-dim", "4"], run_dir, capsys)
    assert run["task"] == "anomaly-sequences" and run["preparation"]["normal_label"] == "a"
    predicted(["--run", run_dir, "--data", waves / "test.npz", "--out", tmp_path / "p2"], capsys)
    ours, theirs = rows(tmp_path / "p2" / "predictions.csv"), rows(run_dir / "scores.csv")
    close([r["error"] for r in ours], [r["error"] for r in theirs])
    for key in ("label", "anomaly", "flagged"):
        assert [r[key] for r in ours] == [r[key] for r in theirs]


def test_embed_run_embeds_like_the_run(waves, tmp_path, capsys):
    run_dir = tmp_path / "run"
    argv = ["--train", waves / "train.npz", "--test", waves / "test.npz"]
    train(embed.main, [*argv, "--units", "8", "--latent-dim", "3"], run_dir, capsys)
    predicted(["--run", run_dir, "--data", waves / "test.npz", "--out", tmp_path], capsys)
    ours = rows(tmp_path / "embeddings.csv")
    with np.load(run_dir / "embeddings.npz") as saved:
        expected = saved["test_embeddings"]
    close([[r[f"z{k}"] for k in range(3)] for r in ours], expected)
    assert [r["label"] for r in ours] == [str(v) for v in saved_labels(run_dir)]


def saved_labels(run_dir):
    with np.load(run_dir / "embeddings.npz") as saved:
        return saved["test_labels"]


@pytest.fixture(scope="module")
def classify_run(waves, tmp_path_factory):
    out = tmp_path_factory.mktemp("classify") / "run"
    argv = ["--train", waves / "train.npz", "--test", waves / "test.npz", "--no-classic-baselines"]
    classify.main([str(a) for a in [*argv, *TINY, "--out", out]])
    return out


def bad_run(tmp_path, classify_run, change):
    folder = tmp_path / "bad_run"
    folder.mkdir()
    (folder / "model.keras").write_bytes((classify_run / "model.keras").read_bytes())
    run = json.loads((classify_run / _run.NAME).read_text())
    text = change(run)
    (folder / _run.NAME).write_text(text if isinstance(text, str) else json.dumps(run))
    return folder


def newer(run):
    run["version"] = _run.VERSION + 1


def no_classes(run):
    del run["preparation"]["classes"]


def bad_scaler(run):
    run["preparation"]["scaler"]["mean"] = [0.0, "x"]


def short_scaler(run):
    run["preparation"]["scaler"]["mean"] = run["preparation"]["scaler"]["mean"][:1]
    run["preparation"]["scaler"]["scale"] = run["preparation"]["scaler"]["scale"][:1]


def zero_scale(run):
    run["preparation"]["scaler"]["scale"][0] = 0.0


def infinite_scale(run):
    run["preparation"]["scaler"]["scale"][1] = float("inf")  # JSON's Infinity


def extra_class(run):
    run["preparation"]["classes"].append("d")


def more_features(run):
    run["input"]["features"] = 3


@pytest.mark.parametrize(
    "change, message",
    [
        (newer, r"run file version 2 is newer than this lstm-zoo reads \(1\); upgrade"),
        (
            short_scaler,
            r"run.json: preparation.scaler holds 1 columns' numbers, but the model reads 2",
        ),
        (zero_scale, r"run.json: preparation.scaler.scale must be strictly positive, got 0"),
        (infinite_scale, r"run.json: preparation.scaler.scale must be a list of finite numbers"),
        (
            extra_class,
            r"run.json: the length of preparation.classes is 4, but the model beside it has 3 "
            "outputs",
        ),
        (more_features, r"run.json: input.features is 3, but the model beside it reads 2 features"),
        (no_classes, r"run.json: missing 'classes'"),
        (bad_scaler, r"run.json: preparation.scaler.mean must be a list of finite numbers"),
        (lambda run: "{not json", r"run.json: not a run file \(Expecting property name"),
    ],
    ids=[
        "newer-version",
        "short-scaler",
        "zero-scale",
        "infinite-scale",
        "extra-class",
        "more-features",
        "missing-field",
        "bad-scaler",
        "not-json",
    ],
)
def test_a_damaged_run_file_is_one_line_and_exit_2(
    change, message, classify_run, waves, tmp_path, capsys
):
    folder = bad_run(tmp_path, classify_run, change)
    argv = ["--run", folder, "--data", waves / "test.npz", "--out", tmp_path / "out"]
    status, _, stderr = run_in_process(predict.main, argv, capsys)
    assert status == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("error: ") and re.search(message, stderr), stderr
    assert not (tmp_path / "out").exists()


def test_bad_data_for_the_run_is_one_line_and_exit_2(classify_run, series_csv, tmp_path, capsys):
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, x=np.zeros((4, 16, 3), "float32"))
    short = tmp_path / "short.npz"
    np.savez(short, x=np.zeros((4, 10, 2), "float32"))
    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    cases = [
        (["--data", wrong], f"{wrong}: 3 features per step, but the run's model reads 2"),
        (
            ["--data", short],
            f"{short}: sequences of 10 steps, but the run's model reads 16 (it was trained "
            "without padding)",
        ),
        (
            ["--data", series_csv, "--forecast", "2"],
            f"--forecast needs a forecasting run; {classify_run} is a classification run",
        ),
        (
            ["--data", wrong, "--run", not_a_run],
            f"--run {not_a_run}: no run.json; give the --out folder of a finished training "
            "run (runs made before lstm-zoo wrote run files cannot be replayed)",
        ),
    ]
    for argv, message in cases:
        argv = ["--run", classify_run, *argv, "--out", tmp_path / "out"]
        status, _, stderr = run_in_process(predict.main, argv, capsys)
        assert (status, stderr) == (2, f"error: {message}\n")
    assert not (tmp_path / "out").exists()  # nothing written for bad input


def test_a_forecasting_run_needs_its_columns(series_csv, tmp_path, capsys):
    run_dir = tmp_path / "run"
    argv = ["--data", series_csv, "--target", "level", "--features", "driver", "--window", "6"]
    train(regress.main, [*argv, "--units", "8,8"], run_dir, capsys)
    other = tmp_path / "other.csv"
    other.write_text("step,level\n" + "".join(f"{i},{i % 5 + 1}\n" for i in range(30)))
    argv = ["--run", run_dir, "--data", other, "--out", tmp_path / "out"]
    status, _, stderr = run_in_process(predict.main, argv, capsys)
    assert status == 2
    assert stderr.strip() == (
        f"error: {other}: the run names unknown column(s) ['driver']; "
        "the numeric columns are ['step', 'level']"
    )
