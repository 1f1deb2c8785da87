"""The autoencoder recipes under their first name: `--task anomaly` runs
`recipes.anomaly`, `--task embed` runs `recipes.embed` (the default task is
anomaly). Every other flag goes to that recipe.

    python -m recipes.autoencode --task embed --dataset ItalyPowerDemand
"""

import sys

from recipes import _cli, anomaly, embed

TASKS = {"anomaly": anomaly, "embed": embed}


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    task = "anomaly"
    for i, arg in enumerate(argv):
        if arg == "--task" or arg.startswith("--task="):
            value = (
                arg.split("=", 1)[1] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else "")
            )
            del argv[i : i + (1 if "=" in arg else 2)]
            if value not in TASKS:
                print(
                    f"python -m recipes.autoencode: error: argument --task: invalid choice: "
                    f"{value!r} (choose from 'anomaly', 'embed')",
                    file=sys.stderr,
                )
                sys.exit(2)
            task = value
            break
    TASKS[task].main(argv)


if __name__ == "__main__":
    _cli.run(main)
