"""Bad inputs found by `benchmarks/malformed_inputs.py`, through the recipes in
this process: each is one line naming the file and line, or the flag, with exit
status 2, before any training starts (so each case costs no training)."""

import numpy as np
import pytest

from recipes import _data, _training, anomaly, classify, regress
from tests.recipe_helpers import run_in_process, stderr_lines
from zoo._errors import InputError

# the subject does not depend on the backend: runs once (make test's "once" part)
pytestmark = pytest.mark.once

RECIPES = {"classify": classify.main, "regress": regress.main, "anomaly": anomaly.main}
TINY = ["--max-steps", "3", "--units", "4"]


def waves(n=24, steps=8, labels=("a", "b")):
    rng = np.random.default_rng(0)
    y = np.array([labels[i % len(labels)] for i in range(n)])
    return rng.normal(size=(n, steps)).round(3), y


def csv_file(tmp_path, labels, name="d.csv"):
    x, _ = waves(len(labels))
    rows = [
        f"{label}," + ",".join(f"{v:g}" for v in row) for label, row in zip(labels, x, strict=True)
    ]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


def series_file(tmp_path, rows=60):
    t = np.arange(rows)
    lines = ["value,fault"] + [f"{np.sin(i / 3):.4f},{int(i == 50)}" for i in t]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    """Training fails the test: every case here must be refused before it."""

    def train(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_training, "train", train)


def refused(recipe, argv, tmp_path, capsys, *messages):
    """Runs `recipe` with `argv`; asserts exit 2 and one stderr line holding
    every one of `messages` (training would have exited 1: `no_training`)."""
    status, stdout, stderr = run_in_process(
        RECIPES[recipe], [*TINY, *map(str, argv), "--out", tmp_path / "out"], capsys
    )
    lines = stderr_lines(stderr)
    assert status == 2 and len(lines) == 1, stderr
    for message in messages:
        assert message in lines[0], lines[0]
    assert "Epoch" not in stdout
    return lines[0]


def test_val_split_that_holds_out_every_case(tmp_path, capsys):
    x, y = waves()
    np.savez(tmp_path / "w.npz", x=x, y=y)
    refused(
        "classify",
        ["--train", tmp_path / "w.npz", "--val-split", "0.99", "--no-classic-baselines"],
        tmp_path,
        capsys,
        "--val-split 0.99 holds out 18 of the 18 training sequences",
    )


@pytest.mark.parametrize(
    "recipe, flag",
    [("regress", "--test-size"), ("regress", "--val-size"), ("anomaly", "--val-size")],
)
def test_zero_rows_for_a_part_is_a_flag_error(tmp_path, capsys, recipe, flag):
    argv = ["--data", series_file(tmp_path), "--target", "value", "--window", "4", flag, "0"]
    refused(recipe, argv, tmp_path, capsys, f"argument {flag}: expected a fraction below 1")


def test_continuous_csv_labels_to_classify(tmp_path, capsys):
    path = csv_file(tmp_path, [f"{0.37 * i + 0.01:.2f}" for i in range(24)])
    refused(
        "classify",
        ["--train", path, "--no-classic-baselines"],
        tmp_path,
        capsys,
        "d.csv: the labels look like continuous numbers",
        "use recipes.regress",
    )


def test_non_finite_csv_label_names_the_line(tmp_path, capsys):
    labels = ["0", "1"] * 12
    labels[4] = "inf"
    path = csv_file(tmp_path, labels)
    refused(
        "classify",
        ["--train", path, "--no-classic-baselines"],
        tmp_path,
        capsys,
        "d.csv, line 5 (column 0): label 'inf' is not a finite float32 number",
    )


def test_missing_csv_target_names_the_line(tmp_path, capsys):
    targets = [f"{0.5 * i:g}" for i in range(24)]
    targets[2] = "NA"
    path = csv_file(tmp_path, targets, "r.csv")
    refused(
        "regress",
        ["--train", path],
        tmp_path,
        capsys,
        "r.csv, line 3: the label (column 0) is missing ('NA')",
    )


def test_labels_of_two_columns(tmp_path, capsys):
    x, _ = waves()
    np.savez(tmp_path / "y2.npz", x=x, y=np.zeros((len(x), 2)))
    refused(
        "classify",
        ["--train", tmp_path / "y2.npz", "--no-classic-baselines"],
        tmp_path,
        capsys,
        "y2.npz: 'y' must hold one label per sample",
    )


def test_huge_cell_is_one_short_line(tmp_path, capsys):
    path = tmp_path / "h.csv"
    path.write_text("a,1,2\nb,3,4\n" + f"a,{'x' * 200_000},5\nb,6,7\n")
    line = refused(
        "classify",
        ["--train", path, "--no-classic-baselines"],
        tmp_path,
        capsys,
        "h.csv, line 3: non-numeric value 'xxx",
    )
    assert len(line) < 300


def test_classes_of_one_case_are_named_plainly(tmp_path, capsys):
    path = csv_file(tmp_path, ["a", "b"] * 10 + ["c", "d", "e", "f"])
    line = refused(
        "classify",
        ["--train", path, "--no-classic-baselines"],
        tmp_path,
        capsys,
        "d.csv: 4 classes have a single sequence ('c', 'd', 'e', ...)",
        "give a test file with --test",
    )
    assert "np.str_" not in line


@pytest.mark.parametrize("test", [False, True])
def test_too_few_series_for_regression(tmp_path, test):
    x, _ = waves(3 if test else 2)
    np.savez(tmp_path / "few.npz", x=x[:2] if test else x, y=np.arange(len(x[:2]), dtype=float))
    if test:
        np.savez(tmp_path / "t.npz", x=x, y=np.arange(len(x), dtype=float))
        np.savez(tmp_path / "few.npz", x=x[:1], y=np.zeros(1))
    with pytest.raises(InputError, match=r"few\.npz.*too few"):
        _data.labelled(
            train=tmp_path / "few.npz",
            test=tmp_path / "t.npz" if test else None,
            dataset=None,
            label_column=None,
            seed=0,
            task="regression",
        )
