"""Malformed panels through `recipes.forecast`'s panel models: cases added to
`tests.input_catalogue.CASES` (imported for them by tests/test_input_catalogue.py).
Each names the file, the series and the line, or the flag."""

from tests.input_catalogue import add, write

HEADER = "store,week,sales,promo,size\n"


def panel_text(rows=None):
    """A long table of 3 stores x 20 weeks; `rows` replaces the data rows."""
    if rows is None:
        rows = [
            f"s{k},2024-{1 + w // 4:02d}-{1 + 7 * (w % 4):02d},{10 + k + w % 3},{w % 2},{k}"
            for k in range(3)
            for w in range(20)
        ]
    return HEADER + "\n".join(rows) + "\n"


def weekly_rows():
    """3 stores x 20 weekly dates that step evenly."""
    import datetime

    start = datetime.date(2024, 1, 1)
    return [
        f"s{k},{start + datetime.timedelta(weeks=w)},{10 + k + w % 3},{w % 2},{k}"
        for k in range(3)
        for w in range(20)
    ]


def panel_case(name, mentions, make, argv=()):
    def build(d):
        path = write(d, "panel.csv", make())
        flags = ["--data", path, "--id-column", "store", "--date-column", "week"]
        return [*flags, "--target", "sales", "--horizon", "2", "--ensemble", "1", *argv]

    add(f"panel: {name}", "panels", "forecast", build, mentions)


def with_row(index, new):
    rows = weekly_rows()
    rows[index] = new
    return panel_text(rows)


# line numbers: the header is line 1, row i is line i + 2
panel_case("duplicate date", ("panel.csv", "s0", "line 4"), lambda: with_row(2, weekly_rows()[1]))
panel_case(
    "a gap in the dates",
    ("panel.csv", "s1", "line 27"),
    lambda: panel_text(weekly_rows()[:25] + weekly_rows()[26:]),
)
panel_case(
    "dates out of order",
    ("panel.csv", "s0", "line 5"),
    lambda: with_row(3, weekly_rows()[0]),
)
panel_case(
    "a target that is text", ("panel.csv", "line 8"), lambda: with_row(6, "s0,2024-02-12,lots,0,0")
)
panel_case("a missing target", ("panel.csv", "line 8"), lambda: with_row(6, "s0,2024-02-12,,0,0"))
panel_case("an unparseable date", ("panel.csv", "line 8"), lambda: with_row(6, "s0,someday,3,0,0"))
panel_case(
    "a static covariate that changes",
    ("panel.csv", "s2", "size"),
    lambda: with_row(45, weekly_rows()[45].rsplit(",", 1)[0] + ",7"),
    argv=("--static-covariates", "size"),
)
panel_case(
    "--id-column missing",
    ("panel.csv", "shop"),
    lambda: panel_text(weekly_rows()),
    argv=("--id-column", "shop"),
)
panel_case(
    "--future-covariates missing",
    ("panel.csv", "holiday"),
    lambda: panel_text(weekly_rows()),
    argv=("--future-covariates", "holiday"),
)
panel_case(
    "--horizon longer than every series",
    ("--horizon", "41 values"),
    lambda: panel_text(weekly_rows()),
    argv=("--horizon", "40"),
)
panel_case("empty file", ("panel.csv",), lambda: "")
panel_case("header only", ("panel.csv",), lambda: HEADER)
add(
    "panel: --dataset unknown",
    "panels",
    "forecast",
    lambda d: ["--dataset", "nothing_such", "--horizon", "2"],
    ("nothing_such",),
)
