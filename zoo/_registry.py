"""The model registry: builders register by function name, like timm's."""

from zoo._errors import InputError

_MODELS = {}
_TASKS = {}


def register_model(tasks=("classification", "regression")):
    """Registers a builder under its function name.

    Args:
        tasks: tuple of str. The heads the builder offers, so recipes can list
            the builders fit for their task.
    """

    def decorator(builder):
        _MODELS[builder.__name__] = builder
        _TASKS[builder.__name__] = tuple(tasks)
        return builder

    return decorator


def list_models(task=None):
    """Returns the sorted names of every registered builder.

    Args:
        task: str or None. If given, only the builders offering this head
            (`"classification"`, `"regression"`, `"autoencoding"` or
            `"forecasting"`).
    """
    return sorted(name for name in _MODELS if task is None or task in _TASKS[name])


def get_model(name, **kwargs):
    """Builds the registered model `name` with the builder's keyword arguments.

    Example:

    >>> model = zoo.get_model("stacked_lstm", input_shape=(50, 8), num_classes=3)
    """
    if name not in _MODELS:
        raise InputError(
            f"Unknown model name. Expected one of {list_models()}. Received: name={name!r}"
        )
    return _MODELS[name](**kwargs)
