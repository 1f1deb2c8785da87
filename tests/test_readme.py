"""The README's Python examples run as written, on every backend."""

import re
from pathlib import Path

import pytest

import zoo

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples write their files to the working folder
    exec(compile(EXAMPLES[index], f"README.md example {index}", "exec"), {})


def test_readme_error_example_is_the_real_message():
    documented = re.search(r"``(Expected `input_shape`.*?)``", README.read_text(), flags=re.S)
    with pytest.raises(ValueError) as error:
        zoo.lstm((10,), num_classes=2)
    assert str(error.value) == documented.group(1)
