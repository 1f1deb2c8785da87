"""What every recipe shares: flags, bad-input handling, training, and artifacts.

Training (`train`) is Keras's own machinery: `BackupAndRestore` for resuming,
`EarlyStopping` and `ModelCheckpoint` for the best weights, `ReduceLROnPlateau`
as the schedule, `CSVLogger` for the history. Every artifact is written to a
temporary name in the output folder and renamed into place, so a file is whole
or absent.
"""

import argparse
import contextlib
import csv
import json
import os
import shutil
import sys
import time
from pathlib import Path

import keras
import numpy as np
from sklearn.model_selection import train_test_split

import zoo
from zoo import data

STATE_DIR = ".train"  # inside --out: backup, best weights and history while training


class BadInput(ValueError):
    """Input a user can fix: printed as one line, exit status 2."""


# === Flags ===


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other bad input
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def parser(
    description,
    task,
    default_model,
    default_epochs=200,
    default_patience=30,
    default_dropout=0.3,
    default_batch_size=32,
    default_units=(64, 64),
    bidirectional=True,
):
    """The flags every recipe takes; the recipe adds its own data flags.

    `bidirectional=False` leaves out `--bidirectional`, for builders without it.
    """
    p = _Parser(
        prog=f"python -m recipes.{task}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    models = zoo.list_models(task=task_head(task))
    p.add_argument(
        "--model", default=default_model, choices=models, help="registered builder to train"
    )
    p.add_argument(
        "--units",
        type=int_tuple,
        default=default_units,
        help="LSTM widths, comma-separated (one number for --model lstm)",
    )
    if bidirectional:
        p.add_argument("--bidirectional", action="store_true", help="bidirectional LSTMs")
    p.add_argument(
        "--dropout", type=float, default=default_dropout, help="dropout rate after each LSTM"
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=default_epochs,
        help="most epochs (early stopping usually ends sooner)",
    )
    p.add_argument("--batch-size", type=positive_int, default=default_batch_size)
    p.add_argument(
        "--learning-rate",
        type=_positive_float,
        default=3e-3,
        help="Adam's initial rate, halved when validation loss stalls",
    )
    p.add_argument(
        "--patience",
        type=positive_int,
        default=default_patience,
        help="epochs without validation improvement before stopping",
    )
    p.add_argument(
        "--distribute",
        action="store_true",
        help="data-parallel training over every local device (jax: keras.distribution."
        "DataParallel; tensorflow: tf.distribute.MirroredStrategy); --batch-size is the "
        "global batch",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("runs") / task, help="output folder")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out from its last finished epoch",
    )
    return p


def data_flags(p, *, data_help, train_help, target_help, window, test_size, val_size):
    """The data flags of the recipes that read both series (`--data`) and
    labelled sequences (`--train`/`--test`)."""
    p.add_argument("--data", help=data_help)
    p.add_argument("--train", help=train_help)
    p.add_argument("--test", help="test file (default: 25%% of --train)")
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


def task_head(task):
    return {
        "classify": "classification",
        "regress": "regression",
        "autoencode": "autoencoding",
    }.get(task, task)


def argument_type(convert, accept, expected, unparsable=None):
    """An argparse type: `convert(text)`, then `accept(value)`, else the error
    "expected <expected>, got <text>" (`unparsable` when `convert` fails)."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
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
positive_int = argument_type(int, lambda value: value >= 1, "a positive integer")
_positive_float = argument_type(float, lambda value: value > 0, "a positive number")
fraction = argument_type(float, lambda value: 0 < value < 1, "a number in (0, 1)")
names = argument_type(
    lambda text: tuple(n.strip() for n in text.split(",") if n.strip()), bool, "column names"
)


def _rows_or_fraction(text):
    value = float(text)
    return int(value) if value >= 1 and value.is_integer() else value


size = argument_type(
    _rows_or_fraction,
    lambda value: isinstance(value, int) or 0 <= value < 1,
    "a fraction or a row count",
)


def builder_units(args):
    """`--units` as the chosen builder takes it."""
    if args.model == "lstm":
        if len(args.units) != 1:
            raise BadInput(f"--model lstm takes one width, got --units {args.units}")
        return args.units[0]
    return args.units


# === Labelled sequences ===

TEST_FRACTION = 0.25  # of --train, when no --test is given


def labelled_data(args):
    """`(x_train, y_train, x_test, y_test, name)` from `--train`/`--test`
    (default: the bundled digits); without `--test`, a stratified
    `TEST_FRACTION` of `--train` is the test set."""
    if args.train is None:
        x, y = data.load_digits()
        name = "digits (scikit-learn, 8 rows x 8 pixels)"
    else:
        x, y = data.load(args.train, label_column=args.label_column)
        name = str(args.train)
    if args.test is None:
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=TEST_FRACTION, random_state=args.seed, stratify=stratify(y)
        )
        return x_train, y_train, x_test, y_test, name
    x_test, y_test = data.load(args.test, label_column=args.label_column)
    data.check_compatible(args.train, x, args.test, x_test)
    return x, y, x_test, y_test, f"{name} / {args.test}"


def series_table(args, default):
    """The `--data` CSV as a `SeriesTable` and its name (else `default()`, a
    `(table, name)` pair); without `--target`, the table's only column is it."""
    if args.data:
        table = data.read_series_csv(args.data, date_column=args.date_column, fill=args.fill)
        name = str(args.data)
    else:
        table, name = default()
    if not args.target:
        if len(table.names) != 1:
            raise BadInput(f"--target is required: the columns are {table.names}")
        args.target = tuple(table.names)
    return table, name


def scaled_sequences(kind, fit_on, *arrays):
    """`arrays` of (n, steps, features) through one `kind` scaler (see
    `zoo.data.make_scaler`) fit per feature on the rows of `fit_on`, as float32."""
    scaler = data.make_scaler(kind).fit(fit_on.reshape(-1, fit_on.shape[2]))
    return [
        scaler.transform(x.reshape(-1, x.shape[2])).reshape(x.shape).astype("float32")
        for x in arrays
    ]


def stratify(y):
    """`y` for `train_test_split(stratify=...)`, or None when a class has one member."""
    _, counts = np.unique(y, return_counts=True)
    return y if counts.min() >= 2 else None


# === Running ===


def run(main):
    """Runs `main()`; bad input becomes one line on stderr and exit status 2."""
    try:
        main()
    except (BadInput, ValueError, OSError) as error:
        # Loaders and builders raise ValueError naming the file, line or argument.
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def distributed(args):
    """The context a recipe builds, trains and predicts in.

    Without `--distribute`, one device. With it, data parallelism through the
    backend's own engine: on jax `keras.distribution.DataParallel` over
    `keras.distribution.list_devices()` (after `keras.distribution.initialize()`
    when `KERAS_DISTRIBUTION_NUM_PROCESSES` asks for several hosts), on
    tensorflow `tf.distribute.MirroredStrategy` over the local GPUs (or, with
    none, the logical CPU devices). Sets `args.devices`. The saved model is an
    ordinary one.
    """
    args.devices = 1
    if not args.distribute:
        return contextlib.nullcontext()
    backend = keras.backend.backend()
    if backend == "jax":
        if int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1:
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        args.devices = len(devices)
        if args.batch_size % args.devices:
            raise BadInput(
                f"--batch-size {args.batch_size} must split evenly over the {args.devices} "
                "devices of --distribute"
            )
        return keras.distribution.DataParallel(devices=devices).scope()
    if backend == "tensorflow":
        import tensorflow as tf

        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
        args.devices = strategy.num_replicas_in_sync
        return strategy.scope()
    raise BadInput(
        f"--distribute runs on the jax and tensorflow backends; Keras's {backend} backend "
        "has no data-parallel fit"
    )


def compiled_model(args, input_shape, *, loss, metrics, masking=False, **head):
    """The `--model` builder with the shared flags and `head` options, compiled
    with Adam at `--learning-rate` (gradients clipped to norm 1)."""
    model = zoo.get_model(
        args.model,
        input_shape=input_shape,
        units=builder_units(args),
        bidirectional=args.bidirectional,
        dropout=args.dropout,
        masking=masking,
        mask_value=zoo.data.MASK_VALUE,
        **head,
    )
    return compile_model(model, args, loss=loss, metrics=metrics)


def compile_model(model, args, *, loss, metrics=None):
    """Compiles `model` with Adam at `--learning-rate`, gradients clipped to norm 1."""
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
        loss=loss,
        metrics=metrics,
    )
    return model


def seed_everything(seed):
    keras.utils.set_random_seed(seed)


# === Training ===


def train(model, x, y, validation_data, args, monitor="val_loss"):
    """Fits `model`, resumable, and leaves it holding its best validation weights.

    Returns:
        `(history, train_seconds)`: history as a dict of per-epoch lists over
        the whole run (across resumes), and the seconds spent in epochs.
    """
    x, y, validation_data = _split_evenly(args, x, y, validation_data)
    state = args.out / STATE_DIR
    done = state / "done.json"
    if args.resume:
        if not state.is_dir():
            raise BadInput(f"--resume: no interrupted run in {args.out}")
    elif state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    log_path = state / "history.csv"
    best_path = state / "best.weights.h5"
    previous = _history_up_to_backup(log_path, state / "backup")

    if not done.exists():
        early = keras.callbacks.EarlyStopping(monitor=monitor, patience=args.patience)
        best = keras.callbacks.ModelCheckpoint(
            best_path, monitor=monitor, save_best_only=True, save_weights_only=True
        )
        schedule = keras.callbacks.ReduceLROnPlateau(
            monitor=monitor,
            factor=0.5,
            patience=max(2, args.patience // 4),
            min_lr=args.learning_rate / 64,
        )
        # Order matters: the callbacks that add to the logs come before the
        # CSVLogger, and the backup comes last, so a backed-up epoch is logged.
        callbacks = [
            early,
            best,
            schedule,
            _RestoreMonitorState(previous, monitor, early, best, schedule),
            _EpochSeconds(),
            keras.callbacks.CSVLogger(log_path, append=True),
            keras.callbacks.BackupAndRestore(
                state / "backup", double_checkpoint=True, delete_checkpoint=False
            ),
        ]
        model.fit(
            x,
            y,
            validation_data=validation_data,
            epochs=args.epochs,
            batch_size=args.batch_size,
            callbacks=callbacks,
            verbose=1 if sys.stdout.isatty() else 2,
        )
        history = read_history(log_path)
        write_json(done, {"epochs_run": len(history.get("epoch", []))})
    if best_path.exists():
        model.load_weights(best_path)
    history = read_history(log_path)
    return history, float(np.sum(history.get("epoch_seconds", [0.0])))


def _split_evenly(args, x, y, validation_data):
    """On jax with several devices every batch must split evenly: with a batch
    size that does (`distributed` checks it), trimming the training and
    validation sets to a multiple of the device count makes every batch do."""
    devices = getattr(args, "devices", 1)
    if devices == 1 or keras.backend.backend() != "jax":
        return x, y, validation_data

    def trim(arrays, name):
        samples = len(keras.tree.flatten(arrays)[0])
        keep = samples - samples % devices
        if keep < samples:
            print(
                f"note: --distribute uses {keep} of {samples} {name} sequences ({devices} devices)"
            )
        return keras.tree.map_structure(lambda a: a[:keep], arrays)

    x, y = trim((x, y), "training")
    if validation_data is not None:
        validation_data = trim(tuple(validation_data), "validation")
    return x, y, validation_data


def finish(args):
    """Drops the training state once every artifact is written."""
    shutil.rmtree(args.out / STATE_DIR, ignore_errors=True)


def save_run(args, model, history, metrics, curve_metric=None):
    """Writes what every recipe writes (model.keras, history.csv,
    learning_curves.png, metrics.json last), drops the training state and
    lists the output folder."""
    save_model(args.out / "model.keras", model)
    write_history(args.out / "history.csv", history)
    plot_learning_curves(args.out / "learning_curves.png", history, metric=curve_metric)
    write_json(args.out / "metrics.json", metrics)
    finish(args)
    written = sorted(p.name for p in args.out.iterdir() if not p.name.startswith("."))
    print(f"\nWrote {args.out}/: {' '.join(written)}")


class _EpochSeconds(keras.callbacks.Callback):
    """Adds `epoch_seconds` to the logs, so the training time survives a resume."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


class _RestoreMonitorState(keras.callbacks.Callback):
    """After a resume, gives early stopping, the best-weights checkpoint and the
    schedule the best value and waiting time they had before the interruption;
    Keras resets them at the start of every `fit`."""

    def __init__(self, previous, monitor, early, best, schedule):
        super().__init__()
        self.previous, self.monitor = previous, monitor
        self.early, self.best, self.schedule = early, best, schedule

    def on_train_begin(self, logs=None):
        values = self.previous.get(self.monitor)
        if not values:
            return
        best_index = int(np.argmin(values))
        best_value = float(values[best_index])
        waited = len(values) - 1 - best_index
        self.early.best, self.early.wait = best_value, waited
        self.best.best = best_value
        self.schedule.best = best_value
        self.schedule.wait = waited % max(self.schedule.patience, 1)


def _history_up_to_backup(log_path, backup_dir):
    """The logged history, without epochs logged after the last backup.

    An interruption between logging an epoch and backing it up would otherwise
    log that epoch twice, since the resumed run repeats it.
    """
    history = read_history(log_path)
    metadata = Path(backup_dir) / "training_metadata.json"
    if not history:
        return history
    backed_up = json.loads(metadata.read_text())["epoch"] if metadata.exists() else 0
    if len(history["epoch"]) > backed_up:
        history = {key: values[:backed_up] for key, values in history.items()}
        write_history(log_path, history)
    return history


def read_history(path):
    """A `CSVLogger` file as a dict of column lists (empty if absent)."""
    if not Path(path).exists():
        return {}
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = {}
    for row in rows:
        for key, value in row.items():
            number = float(value) if value not in ("", None) else np.nan
            columns.setdefault(key, []).append(int(number) if key == "epoch" else number)
    return columns


# === Artifacts: written whole or not at all ===


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_json(path, data):
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value)}")


def write_csv(path, header, rows):
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_history(path, history):
    keys = list(history)
    write_csv(path, keys, zip(*(history[k] for k in keys), strict=True))


def save_model(path, model):
    with atomic_path(path) as tmp:
        model.save(tmp)


def save_figure(path, figure):
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def plot_learning_curves(path, history, metric=None):
    """Training and validation loss (and `metric`) per epoch."""
    figure = new_figure(ncols=2 if metric else 1, width=5.5)
    axes = figure.axes
    epochs = np.asarray(history.get("epoch", []), dtype=int) + 1
    for ax, key in zip(axes, ["loss", metric] if metric else ["loss"], strict=False):
        ax.plot(epochs, history.get(key, []), label="train")
        ax.plot(epochs, history.get(f"val_{key}", []), label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.legend()
        ax.grid(alpha=0.3)
    save_figure(path, figure)


def new_figure(nrows=1, ncols=1, width=6.0, height=4.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    return figure


# === Report ===


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


def environment(args):
    return {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "seed": args.seed,
        "devices": getattr(args, "devices", 1),
    }
