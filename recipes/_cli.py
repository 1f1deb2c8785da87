"""Flags and the runner every recipe shares.

`parser(...)` gives the flags of the training policy and the output folder;
each recipe adds its data flags and reads every flag once at the top of its
`main`. `run(main)` prints a user's mistake (`zoo.InputError`, argparse) as one
line with exit status 2; anything else is a bug and keeps its traceback.
"""

import argparse
import math
import sys
import traceback
from pathlib import Path

import zoo
import zoo.training
from recipes import _interrupt, _lock
from zoo import InputError, data

DATASET_HELP = (
    "a published dataset by name through aeon's loaders, official train/test split "
    "(the ones aeon ships work offline, e.g. GunPoint)"
)


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other bad input
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def parser(description, prog, *, task, default_model, default_units, dropout, bidirectional=True):
    """The flags every training recipe takes; the recipe adds its own data flags.

    `task` is the head the `--model` choices must offer (a tuple: any of
    them); `bidirectional=False`
    leaves out `--bidirectional`, for builders without it.
    """
    p = Parser(
        prog=f"python -m recipes.{prog}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        allow_abbrev=False,  # --data must not pass for --dataset
    )
    p.add_argument(
        "--model",
        default=default_model,
        choices=sorted(
            {m for t in ((task,) if isinstance(task, str) else task) for m in zoo.list_models(t)}
        ),
        help="registered builder to train",
    )
    p.add_argument(
        "--units",
        type=int_tuple,
        default=default_units,
        help="LSTM widths, comma-separated (one number for --model lstm and the FCN models)",
    )
    if bidirectional:
        p.add_argument("--bidirectional", action="store_true", help="bidirectional LSTMs")
    p.add_argument("--dropout", type=rate, default=dropout, help="dropout rate after each LSTM")
    policy = zoo.training.Policy()
    p.add_argument(
        "--learning-rate",
        type=positive_float,
        default=policy.learning_rate,
        help="Adam's rate after the warm-up; cut in half on plateaus once the loss has "
        "left its starting level",
    )
    p.add_argument(
        "--batch-size", type=positive_int, help="default: a tenth of the training set, 2 to 16"
    )
    p.add_argument(
        "--max-steps", type=positive_int, default=policy.max_steps, help="most optimizer steps"
    )
    p.add_argument(
        "--min-steps",
        type=positive_int,
        default=policy.min_steps,
        help="optimizer steps before early stopping may stop",
    )
    p.add_argument(
        "--patience-steps",
        type=positive_int,
        default=policy.patience_steps,
        help="stop after this many optimizer steps without improvement",
    )
    p.add_argument("--epochs", type=positive_int, help="most epochs (default: --max-steps rule)")
    p.add_argument(
        "--ensemble", type=positive_int, default=1, help="train N seeds and average them"
    )
    p.add_argument(
        "--distribute",
        action="store_true",
        help="data-parallel training over every local device (jax: keras.distribution."
        "DataParallel; tensorflow: tf.distribute.MirroredStrategy); --batch-size is the "
        "global batch",
    )
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument(
        "--export",
        type=export_formats,
        default=(),
        help="also write the model as onnx (model.onnx), litert (model.tflite) and/or "
        "saved_model, comma-separated; needs lstm-zoo[export-<backend>]",
    )
    p.add_argument("--out", type=Path, default=Path("runs") / prog, help="output folder")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out from its last finished epoch",
    )
    return p


def run_flags(args, batch_size=None):
    """The flags that open a training run (see `recipes._artifacts.opened`), as
    named values: the output folder, `--distribute`, `--resume`, the flags a
    resume must repeat and the policy's (`batch_size`: the recipe's default
    for `--batch-size`, else the policy's)."""
    return {
        "out": args.out,
        "distribute": args.distribute,
        "resume": args.resume,
        "flags": resume_flags(args),
        "policy": policy_flags(args, batch_size),
    }


def policy_flags(args, batch_size=None):
    """The training policy's flags as named values (see `policy_for`)."""
    return {
        "learning_rate": args.learning_rate,
        "batch_size": args.batch_size or batch_size,
        "batch_given": args.batch_size is not None,
        "max_steps": args.max_steps,
        "min_steps": args.min_steps,
        "patience_steps": args.patience_steps,
        "max_epochs": args.epochs,
    }


def policy_for(devices=1, *, batch_size, batch_given, **policy):
    """The training policy of `policy_flags`; with several devices a default
    batch size is rounded up to split evenly over them."""
    if not batch_given and devices > 1:
        batch_size = devices * -(-(batch_size or 16) // devices)
    return zoo.training.Policy(batch_size=batch_size, **policy)


# Flags a resumed run may change: where it writes, what it reports, and how
# long it trains (a resume may extend a run).
FREE_ON_RESUME = {
    "out",
    "resume",
    "classic_baselines",
    "forecast",
    "export",
    "epochs",
    "max_steps",
    "min_steps",
    "patience_steps",
    "distribute",
    "plot_gates",
}


def resume_flags(args):
    """The flags that shape the model, the data or the optimizer, which a
    `--resume` must repeat, as JSON values."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in vars(args).items()
        if key not in FREE_ON_RESUME
    }


def builder_units(model, units):
    """`--units` as the chosen builder takes it: one width for single-LSTM builders."""
    if model in ("lstm", "lstm_fcn", "mlstm_fcn"):
        if len(units) != 1:
            raise InputError(f"--model {model} takes one width, got --units {units}")
        return units[0]
    return units


# === Argument types ===


def argument_type(convert, accept, expected, unparsable=None):
    """An argparse type: `convert(text)`, then `accept(value)`, else the error
    "expected <expected>, got <text>" (`unparsable` when `convert` fails)."""

    def parse(text):
        try:
            value = convert(text)
        except (ValueError, OverflowError):
            message = f"expected {unparsable or expected}, got {text!r}"
            raise argparse.ArgumentTypeError(message) from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


int_tuple = argument_type(
    lambda text: tuple(int(v) for v in text.split(",") if v.strip()),
    lambda values: bool(values) and min(values) >= 1,
    "positive integers",
    unparsable="integers like 64,64",
)
int_tuple_from_zero = argument_type(
    lambda text: tuple(int(v) for v in text.split(",") if v.strip()),
    lambda values: bool(values) and min(values) >= 0,
    "integers of 0 or more",
    unparsable="integers like 0,1,2",
)
positive_int = argument_type(int, lambda value: value >= 1, "a positive integer")
positive_float = argument_type(
    float, lambda value: math.isfinite(value) and value > 0, "a finite positive number"
)
fraction = argument_type(float, lambda value: 0 < value < 1, "a number in (0, 1)")
rate = argument_type(float, lambda value: 0 <= value < 1, "a number in [0, 1)")
seed = argument_type(int, lambda value: 0 <= value < 2**32, "an integer in [0, 2**32)")
names = argument_type(
    lambda text: tuple(n.strip() for n in text.split(",") if n.strip()), bool, "column names"
)


def export_formats(text):
    """`--export`: formats `zoo.export` writes on this backend with its
    converter installed, checked here so a refusal comes before training."""
    from zoo.export import FORMATS, check_format

    formats = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise argparse.ArgumentTypeError(
            f"expected formats from {', '.join(FORMATS)}, comma-separated, got {text!r}"
        )
    for format in formats:
        try:
            check_format(format)
        except (InputError, ImportError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return formats


def _rows_or_fraction(text):
    """A whole number is a row count ("12"); anything else is a fraction ("0.2"),
    so "1.0" is not taken for one row."""
    text = text.strip()
    return int(text) if text.isdigit() else float(text)


size = argument_type(
    _rows_or_fraction,
    lambda value: value >= 1 if isinstance(value, int) else 0 < value < 1,
    "a fraction below 1 or a whole row count, above 0",
)


# === Running ===


def run(main):
    """Runs `main()`. A user's mistake (`zoo.InputError`) is one whole line on
    stderr and exit status 2; Ctrl-C or SIGTERM (see `recipes._interrupt`)
    the `--resume` hint and exit status 130 or 143; any other exception is a
    bug: its traceback and exit status 1. The output folders `main` took
    (see `recipes._lock`) are given back on the way out."""
    try:
        with _interrupt.installed():
            try:
                main()
            finally:
                _lock.release_all()
    except InputError as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    except OSError as error:  # a folder or file the system refuses: the user's to fix
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as interrupt:
        print("interrupted: resume with --resume and the same flags", file=sys.stderr)
        sys.exit(_interrupt.exit_status(interrupt))
    except Exception:
        traceback.print_exc()
        sys.exit(1)


def labelled_flags(p):
    """--dataset or --train [--test], and --label-column: the labelled data flags."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", help=DATASET_HELP)
    source.add_argument("--train", help="training file: .npz, .csv or .ts (default: digits)")
    p.add_argument("--test", help="test file (default: a stratified quarter of --train)")
    p.add_argument("--label-column", help="CSV label column: name or 0-based index (default: 0)")


def scaler_kind(flag):
    """`--scaler` as `zoo.data.make_scaler` takes it: None for "none"."""
    return None if flag == "none" else flag


def series_flags(p, *, data_help, target_help, window, test_size, val_size):
    """The flags of the recipes that read a CSV of series (`--data`)."""
    p.add_argument("--data", help=data_help)
    p.add_argument("--target", type=names, help=target_help)
    p.add_argument("--date-column", help="column of times, for plots and output files")
    p.add_argument(
        "--fill",
        choices=data.FILLS,
        help="fill missing values (default: a missing value is an error)",
    )
    p.add_argument("--window", type=positive_int, default=window, help="rows per window")
    p.add_argument("--stride", type=positive_int, default=1, help="rows between windows")
    p.add_argument("--scaler", choices=["standard", "minmax", "none"], default="standard")
    p.add_argument(
        "--test-size",
        type=size,
        default=test_size,
        help="last rows for testing: fraction or count",
    )
    p.add_argument(
        "--val-size",
        type=size,
        default=val_size,
        help="rows before the test part for validation",
    )
