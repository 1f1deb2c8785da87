"""Figures and the text table every recipe prints."""

import numpy as np

from recipes._io import atomic_path


def new_figure(nrows=1, ncols=1, width=6.0, height=4.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    return figure


def save_figure(path, figure):
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def learning_curves(path, history, metric=None):
    """Training and validation loss (and `metric`) per epoch."""
    figure = new_figure(ncols=2 if metric else 1, width=5.5)
    epochs = np.asarray(history.get("epoch", []), dtype=int) + 1
    for ax, key in zip(figure.axes, ["loss", metric] if metric else ["loss"], strict=False):
        ax.plot(epochs, history.get(key, []), label="train")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.legend()
        ax.grid(alpha=0.3)
    save_figure(path, figure)


def print_table(title, rows, columns):
    """Prints `rows` (dicts, first column `name`) as an aligned text table."""
    header = ["model"] + list(columns)
    lines = [[row["name"]] + [_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    print(f"\n{title}")
    for line in [header, ["-" * w for w in widths]] + lines:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))


def _cell(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
