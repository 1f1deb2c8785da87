"""The malformed-input catalogue (`tests/input_catalogue.py`) as tests, one per
case: every malformed file or bad flag is refused with one line naming the
file and line (or the flag), exit status 2, before any training starts; the
controls (valid but unusual inputs) train. `make test-inputs` runs it alone;
`python -m tests.input_catalogue` writes the whole catalogue as a table."""

import pytest

from tests import input_catalogue as catalogue
from tests import input_catalogue_panels  # noqa: F401  (adds the panel cases)

# the checks run before training, whatever the backend: runs once
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def watch():
    return catalogue._Watch()


@pytest.mark.parametrize(
    "item", catalogue.CASES, ids=[f"{c.recipe}: {c.name}" for c in catalogue.CASES]
)
def test_case(item, tmp_path, watch):
    record = catalogue.run_case(item, tmp_path, watch)
    assert record["outcome"] == "OK", (
        f"{record['outcome']} ({record['why']}); exit {record['status']}; "
        f"argv {record['argv']}; stderr: {record['first_line']} "
        f"{record.get('traceback_tail', '')}"
    )


def test_catalogue_covers_every_recipe_that_reads_input():
    recipes = {c.recipe for c in catalogue.CASES}
    assert recipes >= {"classify", "regress", "forecast", "anomaly", "embed", "predict"}
