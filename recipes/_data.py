"""Loading what a recipe trains on, with the checks a recipe can make before
training: labels against the task, classes against the split."""

import numpy as np
from sklearn.model_selection import train_test_split

from zoo import InputError, data

TEST_FRACTION = 0.25  # of --train, when no --test is given


MIN_TRAINING = 2  # training sequences: a recipe holds some out for validation


def labelled(*, train, test, dataset, label_column, seed, task="classification"):
    """`(x_train, y_train, x_test, y_test, name)` from `--dataset`, or from
    `--train`/`--test` (default: the bundled digits); without `--test`, a
    `TEST_FRACTION` of `--train` is the test set, stratified for classes.

    For `task="regression"` the split must leave `MIN_TRAINING` training
    sequences (the recipe validates on some of them) and a test sequence,
    else an error names the file and suggests `--test`.
    """
    if dataset is not None:
        x_train, y_train, x_test, y_test = data.load_published(dataset, task)
        return x_train, y_train, x_test, y_test, f"{dataset} (official split, via aeon)"
    if train is None:
        x, y = data.load_digits()
        name = "digits (scikit-learn, 8 rows x 8 pixels)"
    else:
        x, y = data.load(train, label_column=label_column)
        name = str(train)
    if test is None:
        stratify = None
        if task == "classification":
            check_classes(y, name)
            stratify = _stratify_or_explain(y, name)
        elif len(y) - int(np.ceil(TEST_FRACTION * len(y))) < MIN_TRAINING:
            raise InputError(
                f"{name}: {len(y)} sequence(s) are too few to hold out {TEST_FRACTION:.0%} "
                f"for testing and keep {MIN_TRAINING} for training and validation; give "
                "more, or a test file with --test"
            )
        x_train, x_test, y_train, y_test = train_test_split(
            x, y, test_size=TEST_FRACTION, random_state=seed, stratify=stratify
        )
        return x_train, y_train, x_test, y_test, name
    x_test, y_test = data.load(test, label_column=label_column)
    data.check_compatible(train, x, test, x_test)
    if task != "classification" and len(y) < MIN_TRAINING:
        raise InputError(
            f"{name}: {len(y)} training sequence(s) are too few: the recipe holds some out "
            f"for validation, so it needs {MIN_TRAINING} or more"
        )
    return x, y, x_test, y_test, f"{name} / {test}"


def check_classes(y, source):
    """Raises unless `y` holds class labels of at least two classes.

    Labels that look like a regression target are refused, pointing to
    `recipes.regress`: float labels that are not all whole numbers, and text
    labels (from a CSV file) that are all numbers, not all whole, with more
    distinct values than half the cases (`0.5`/`1.5` as two class names pass).
    """
    y = np.asarray(y)
    if y.dtype.kind == "U" and len(y):
        numbers = _as_numbers(y)
        distinct = len(np.unique(y))
        if numbers is not None and not np.all(numbers == np.round(numbers)):
            if distinct > len(y) / 2:
                raise InputError(
                    f"{source}: the labels look like continuous numbers ({distinct} distinct "
                    f"values in {len(y)} cases, e.g. {_names(np.unique(y)[:3])}); use "
                    "recipes.regress for numeric targets"
                )
    if y.dtype.kind == "f":
        finite = np.isfinite(y)
        if not finite.all():
            raise InputError(
                f"{source}: label {y[~finite][0]} at row {np.flatnonzero(~finite)[0] + 1} "
                "is not a class"
            )
        if not np.all(y == np.round(y)):
            raise InputError(
                f"{source}: the labels are continuous numbers ({len(np.unique(y))} distinct "
                "values, e.g. {}); use recipes.regress for numeric targets".format(
                    ", ".join(str(v) for v in np.unique(y)[:3])
                )
            )
    classes = np.unique(y)
    if len(classes) < 2:
        raise InputError(f"{source}: need at least 2 classes, found {_names(classes)}")


def _as_numbers(labels):
    """Text labels as float64 where every one is a finite number, else None."""
    try:
        numbers = np.array([float(label) for label in labels])
    except ValueError:
        return None
    return numbers if np.isfinite(numbers).all() else None


def _stratify_or_explain(y, source):
    classes, counts = np.unique(y, return_counts=True)
    single = classes[counts < 2]
    if len(single):
        which = (
            f"class {_names(single)} has a single sequence"
            if len(single) == 1
            else f"{len(single)} classes have a single sequence ({_names(single[:3])}"
            + (", ...)" if len(single) > 3 else ")")
        )
        raise InputError(
            f"{source}: {which}, so a split cannot put it in both the training and "
            "the test set; give a test file with --test"
        )
    test_cases = int(np.ceil(TEST_FRACTION * len(y)))
    if test_cases < len(classes) or len(y) - test_cases < len(classes):
        raise InputError(
            f"{source}: {len(y)} sequences of {len(classes)} classes are too few for a "
            f"stratified {TEST_FRACTION:.0%} test split; give a test file with --test"
        )
    return y


def _names(values):
    """Labels as messages show them: plain values (not `np.str_('a')`), each cut
    to 40 characters."""
    return ", ".join(_shown(v.item() if isinstance(v, np.generic) else v) for v in values)


def _shown(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(str(value)):,} characters)"


def check_test_classes(y_train, y_test, source):
    unseen = sorted({str(v) for v in np.unique(y_test)} - {str(v) for v in np.unique(y_train)})
    if unseen:
        raise InputError(f"{source}: test labels not in the training set: {unseen[:5]}")


def series_table(path, *, date_column, fill, target, default):
    """The `--data` CSV (else `default()`, a `(table, name)` pair) as a
    `SeriesTable`, its name and the target columns (without `--target`, the
    table's only column)."""
    if path:
        table = data.read_series_csv(path, date_column=date_column, fill=fill)
        name = str(path)
    else:
        table, name = default()
    if not target:
        if len(table.names) != 1:
            raise InputError(f"--target is required: the columns are {table.names}")
        target = tuple(table.names)
    return table, name, tuple(target)


def validation_split(x, y, fraction, seed, classes=False):
    """`(x_fit, x_val, y_fit, y_val)`, stratified for classes where every class
    keeps two cases; None when the set is too small to hold any out.

    With `classes` (classify, whose `--val-split` sets `fraction`), a fraction
    above 0 that would hold out every case is an error naming `--val-split`,
    not a silent run without validation.
    """
    held_out = int(np.ceil(fraction * len(x)))
    if classes and fraction > 0 and len(x) - held_out < 1:
        raise InputError(
            f"--val-split {fraction:g} holds out {held_out} of the {len(x)} training "
            "sequences, which leaves none to train on; lower --val-split (0: no validation)"
        )
    if held_out < 1 or len(x) - held_out < 1:
        return None
    stratify = None
    if classes:
        counts = np.unique(y, return_counts=True)[1]
        if counts.min() >= 2 and held_out >= len(counts) and len(x) - held_out >= len(counts):
            stratify = y
    return train_test_split(x, y, test_size=held_out, random_state=seed, stratify=stratify)
