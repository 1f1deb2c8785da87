"""The README's Python examples run as written, on every backend."""

import re
from pathlib import Path

import pytest

import zoo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = [
    (path.name, code)
    for path in DOCUMENTS
    for code in re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
]


def test_readme_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # examples write their files to the working folder
    name, code = EXAMPLES[index]
    exec(compile(code, f"{name} example {index}", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    for expected in documented_outputs(code):
        assert expected in printed, f"{name} example {index} documents {expected!r}: {printed}"


def documented_outputs(code):
    """The comments after `print(...)` that show a literal output: `# (2, 2)`."""
    found = []
    for line in code.splitlines():
        match = re.match(r"\s*print\(.*\)\s+#\s*(.+)$", line)
        if match and match.group(1)[0] in "([0123456789'":
            found.append(match.group(1).strip())
    return found


def test_documented_outputs_are_found():
    assert sum(len(documented_outputs(code)) for _, code in EXAMPLES) >= 3


def test_readme_error_example_is_the_real_message():
    documented = re.search(r"``(Expected `input_shape`.*?)``", README.read_text(), flags=re.S)
    with pytest.raises(zoo.InputError) as error:
        zoo.lstm((10,), num_classes=2)
    assert str(error.value) == documented.group(1)
