"""The private Keras attributes zoo reads outside the speed shortcuts, in one place.

Each was read from keras 3.15.1 (`KERAS_TESTED` in `zoo._fast`); `make
test-keras-next` runs the suite against Keras's nightly build, so a change
shows here before a release ships.
"""


def all_layers(layer, *, include_self=True, recursive=True):
    """Every layer inside `layer` (nested models, wrappers' halves), as Keras
    tracks them (`Layer._flatten_layers`)."""
    return list(layer._flatten_layers(include_self=include_self, recursive=recursive))


def seed_generators(layer):
    """The `keras.random.SeedGenerator`s `layer` itself owns (`Layer._seed_generators`)."""
    return list(layer._seed_generators)


def check_input(model, x):
    """Keras's model-level check of `x` against the model's inputs, with its
    message (`Functional._assert_input_compatibility`)."""
    model._assert_input_compatibility(x)
