"""Argument checks shared by the builders; each runs before any layer is built."""

import numbers

from zoo._errors import InputError


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_input_shape(input_shape, allow_variable_length=True):
    """Returns `input_shape` as a `(timesteps, features)` tuple, or raises."""
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 2:
        raise InputError(
            "Expected `input_shape` to be a tuple of 2 entries "
            f"(timesteps, features). Received: input_shape={input_shape!r}"
        )
    timesteps, features = shape
    if not _is_int(features) or features < 1:
        raise InputError(
            "Expected the features entry of `input_shape` to be a positive "
            f"integer. Received: input_shape={input_shape!r}"
        )
    if timesteps is None:
        if not allow_variable_length:
            raise InputError(
                "This model needs a fixed number of timesteps. "
                f"Received: input_shape={input_shape!r}"
            )
    elif not _is_int(timesteps) or timesteps < 1:
        raise InputError(
            "Expected the timesteps entry of `input_shape` to be a positive "
            f"integer or None (variable length). Received: input_shape={input_shape!r}"
        )
    return (None if timesteps is None else int(timesteps), int(features))


def check_units(name, units, allow_empty=False):
    """Returns `units` (an int or a sequence of ints) as a tuple, or raises."""
    values = (units,) if _is_int(units) else units
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if (
        values is None
        or (not values and not allow_empty)
        or not all(_is_int(u) and u >= 1 for u in values)
    ):
        expected = "a positive integer or a sequence of them"
        if not allow_empty:
            expected = "a positive integer or a non-empty sequence of them"
        raise InputError(f"Expected `{name}` to be {expected}. Received: {name}={units!r}")
    return tuple(int(u) for u in values)


def check_positive_int(name, value, minimum=1):
    if not _is_int(value) or value < minimum:
        raise InputError(
            f"Expected `{name}` to be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def check_rate(name, value):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0.0 <= value < 1.0:
        raise InputError(f"Expected `{name}` to be a float in [0, 1). Received: {name}={value!r}")
    return float(value)


def check_choice(name, value, choices):
    if value not in choices:
        raise InputError(
            f"Expected `{name}` to be one of {list(choices)}. Received: {name}={value!r}"
        )
    return value


def check_head(head, num_classes, num_outputs, heads=("classification", "regression", None)):
    """Returns `(head, num_outputs)` for a classifier/regressor builder, or raises."""
    head = check_choice("head", head, heads)
    if head == "classification" and (not _is_int(num_classes) or num_classes < 2):
        raise InputError(
            "Expected `num_classes` to be an integer >= 2 for "
            f"head='classification'. Received: num_classes={num_classes!r}"
        )
    if head == "regression":
        num_outputs = check_positive_int("num_outputs", num_outputs)
    return head, num_outputs
