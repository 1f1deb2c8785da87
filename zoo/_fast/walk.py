"""The lean graph walk of `SequenceModel.call` on eager torch.

The torch backend runs every call eagerly, and `Layer.__call__`'s per-call
work (input conversion, signature binding, call context, mask bookkeeping)
costs about as much as the LSTM kernels at the sizes this zoo is built for.
The walk visits the nodes as Keras's own graph walk
(`Functional._run_through_graph`) does, with each node's arguments resolved
once per model, and calls a layer's `call` directly where `__call__` would do
nothing else for this call. TensorFlow and JAX trace the graph once into a
compiled function, where that work costs nothing per batch, so they never
walk (`zoo.backends.eager_layer_calls()`).

Private Keras API, read from keras 3.15.1 (`keras/src/models/functional.py`,
`keras/src/ops/function.py`, `keras/src/layers/layer.py`,
`keras/src/ops/operation.py`, `keras/src/ops/symbolic_arguments.py`):
`Functional._nodes_by_depth`, `Functional._standardize_inputs`,
`Functional._outputs_struct`, `Node.arguments` (a `SymbolicArguments`: its
`args`, `kwargs` and `fill_in`), `KerasTensor._keras_mask` and
`Layer._remat_mode`.
"""

import weakref
from typing import NamedTuple

import keras

from zoo import backends

# Keras layers whose `__call__` does nothing but bookkeeping for one tensor
# of their input dtype, no mask and no autocast (keras 3.15.1: none of them
# overrides `__call__`, and their `call` takes the tensor, and `training` or
# an unused `mask` at most; `Bidirectional` calls its two layers through
# `__call__`). Exact classes: a subclass may rely on what `__call__` does.
# A Keras layer not listed keeps `__call__`: correct, only slower.
KERAS_DIRECT = frozenset(
    {
        keras.layers.Activation,
        keras.layers.BatchNormalization,
        keras.layers.Bidirectional,
        keras.layers.Conv1D,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.Flatten,
        keras.layers.GlobalAveragePooling1D,
        keras.layers.Permute,
        keras.layers.ReLU,
        keras.layers.RepeatVector,
        keras.layers.Reshape,
    }
)

# model -> its graph's nodes in Keras's order, or None where a tensor carries a mask
_PLANS = weakref.WeakKeyDictionary()
_DIRECT = weakref.WeakKeyDictionary()  # layer -> whether its class may run without `__call__`


def walk_graph(model, inputs, training):
    """`Functional.call` through Keras's own graph walk, calling layers as `_call_layer` does.

    None where it cannot serve: outside eager torch, for symbolic inputs, and
    where the graph's tensors carry Keras masks (those travel through
    `Layer.__call__`, so Keras's `call` serves).
    """
    if not backends.eager_layer_calls() or _symbolic(inputs):
        return None
    if model not in _PLANS:
        _PLANS[model] = _plan(model)
    plan = _PLANS[model]
    if plan is None:
        return None
    values = dict(zip(map(id, model.inputs), model._standardize_inputs(inputs), strict=True))
    for step in plan:
        if not all(i in values for i in step.needs):
            continue  # as Keras's walk: a node its inputs do not reach
        if step.tensor is None:
            args, kwargs = step.arguments.fill_in(values)
        else:
            args, kwargs = (values[step.tensor],), dict(step.kwargs)
        outputs = _call_layer(step.operation, args, kwargs, training)
        if keras.ops.is_tensor(outputs):
            values[step.makes[0]] = outputs
        else:
            values.update(zip(step.makes, keras.tree.flatten(outputs), strict=True))
    if any(id(x) not in values for x in model.outputs):
        return None  # an unconnected output: Keras's walk reports it
    if isinstance(model._outputs_struct, keras.KerasTensor):
        return values[id(model._outputs_struct)]
    outputs = keras.tree.pack_sequence_as(
        model._outputs_struct, [values[id(x)] for x in model.outputs]
    )
    # Functional.call returns a one-output list as the output itself
    if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
        return outputs[0]
    return outputs


class _Step(NamedTuple):
    operation: object
    arguments: object  # the node's SymbolicArguments
    tensor: int | None  # id of the one positional KerasTensor, where that is all it takes
    kwargs: dict  # the node's other arguments, where they hold no KerasTensor
    needs: tuple  # ids of the node's input KerasTensors
    makes: tuple  # ids of its output KerasTensors


def _plan(model):
    """The nodes in the order of Keras's walk (`Functional._run_through_graph`), each
    node's arguments resolved once: Keras's `fill_in` maps the recorded `training`
    and `mask` keywords through `keras.tree` on every call, a third of an
    eager call of a small model. None where a tensor of the graph carries a mask."""
    nodes = [n for depth in model._nodes_by_depth.values() for n in depth]
    if any(_has_mask(t) for n in nodes for t in n.outputs):
        return None
    steps = []
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if not node.operation or node.is_input:
                continue
            arguments = node.arguments
            single = (
                len(arguments.args) == 1
                and isinstance(arguments.args[0], keras.KerasTensor)
                and not any(
                    isinstance(v, keras.KerasTensor) for v in keras.tree.flatten(arguments.kwargs)
                )
            )
            steps.append(
                _Step(
                    node.operation,
                    arguments,
                    id(arguments.args[0]) if single else None,
                    dict(arguments.kwargs) if single else {},
                    tuple(map(id, node.input_tensors)),
                    tuple(map(id, node.outputs)),
                )
            )
    return steps


def _call_layer(operation, args, kwargs, training):
    """One node: `layer.call(x, training=...)` where `__call__` is bookkeeping only.

    That is a layer of zoo or of `KERAS_DIRECT` taking one tensor of its own
    input dtype (plus the `training` and empty `mask` that `__call__` recorded
    on the node), computing in its variables' dtype, unquantized, without an
    activity regulariser or rematerialization. Every other node (a user's
    layer, several or keyword tensors, ops) is called as `Functional.call`
    calls it, `training` passed to every layer (Keras passes it to each
    operation whose `_call_context_args` hold it: every layer).
    """
    if training is not None and isinstance(operation, keras.layers.Layer):
        kwargs["training"] = training
    if (
        len(args) == 1
        and kwargs.get("mask") is None
        and set(kwargs) <= {"training", "mask"}
        and keras.ops.is_tensor(args[0])
        and _direct(operation)
        and keras.backend.standardize_dtype(args[0].dtype) == operation.input_dtype
        and operation.compute_dtype == operation.variable_dtype
        and operation.quantization_mode is None
        and operation.activity_regularizer is None
        and getattr(operation, "_remat_mode", None) is None
    ):
        if "training" in operation.call_signature_parameters:
            return operation.call(args[0], training=kwargs.get("training"))
        return operation.call(args[0])
    return operation(*args, **kwargs)


def _direct(operation):
    """Whether `operation`'s class may be called without `__call__` (checked once per layer)."""
    if operation not in _DIRECT:
        cls = type(operation)
        _DIRECT[operation] = isinstance(operation, keras.layers.Layer) and (
            cls in KERAS_DIRECT
            # zoo's own layers and models are written to be called directly
            or cls.__module__.split(".")[0] == "zoo"
        )
    return _DIRECT[operation]


def _symbolic(inputs):
    return any(isinstance(x, keras.KerasTensor) for x in keras.tree.flatten(inputs))


def _has_mask(tensor):
    return getattr(tensor, "_keras_mask", None) is not None
