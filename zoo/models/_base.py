"""`SequenceModel`: the functional `keras.Model` every builder returns.

It is an ordinary functional model (same layers, config, saving, `fit`,
`evaluate`) whose `predict` takes a lean path for in-memory arrays where the
backend has one (`zoo.backends.predict`): at the sizes this zoo is built for,
`keras.Model.predict`'s own machinery (data adapter, epoch iterator, callback
list, per-batch conversions) costs as much as the LSTMs themselves.

On the torch backend, which runs the model eagerly, its `call` also walks
the graph lean (`_walk`): each Keras or zoo layer's `call` is run directly,
without `Layer.__call__`'s per-call work (input conversion, signature
binding, call context, mask bookkeeping), which at these sizes costs about
as much as the LSTM kernels. TensorFlow and JAX trace the graph once into a
compiled function, where that work costs nothing per batch.
"""

import weakref

import keras
import numpy as np

from zoo import backends


@keras.saving.register_keras_serializable(package="zoo")
class SequenceModel(keras.Model):
    """A functional `keras.Model` with a lean `predict` for in-memory arrays.

    Built like `keras.Model(inputs, outputs, name=...)`. `predict` gives the
    same numbers as `keras.Model.predict`; it serves NumPy arrays and backend
    tensors (or a list/dict of them) without `steps` or `callbacks` outside a
    distribution strategy, and hands everything else to Keras.

    Under a `keras.distribution.DataParallel` over several devices, which
    needs every batch to split evenly, NumPy inputs of any length are padded
    to a multiple of the device count for Keras's predict and the padding's
    outputs dropped.

    On eager torch, `call` walks the graph with `_walk` (see the module's
    docstring): the same numbers as `Functional.call`, for `fit`, `evaluate`
    and direct calls too.
    """

    def call(self, inputs, training=None, mask=None, **kwargs):
        if mask is None and not kwargs and backends.eager_layer_calls() and not _symbolic(inputs):
            outputs = _walk(self, inputs, training)
            if outputs is not None:
                return outputs
        return super().call(inputs, training=training, mask=mask, **kwargs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        batch_size = batch_size or 32
        flat = keras.tree.flatten(x)
        if not isinstance(x, tuple) and flat and all(backends.in_memory(a) for a in flat):
            # Keras's message for a wrong shape: the lean paths skip the
            # model-level check, and Keras's jitted JAX predict fails deep inside
            self._assert_input_compatibility(x)
        if steps is None and not callbacks:
            try:
                return backends.predict(self, x, batch_size=batch_size, verbose=verbose)
            except NotImplementedError:
                pass
            devices = data_parallel_devices()
            if devices > 1 and flat and all(isinstance(a, np.ndarray) for a in flat):
                samples = len(flat[0])
                pad = -samples % devices
                x = keras.tree.map_structure(
                    lambda a: np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]), x
                )
                batch_size = -(-batch_size // devices) * devices
                outputs = super().predict(x, batch_size=batch_size, verbose=verbose)
                return keras.tree.map_structure(lambda o: o[:samples], outputs)
        return super().predict(
            x, batch_size=batch_size, verbose=verbose, steps=steps, callbacks=callbacks
        )


def data_parallel_devices():
    """How many devices the current `keras.distribution` splits a batch over (1 if none)."""
    distribution = keras.distribution.distribution()
    mesh = getattr(distribution, "device_mesh", None)
    return 1 if mesh is None else int(np.prod(mesh.shape))


_UNMASKED = weakref.WeakKeyDictionary()  # model -> whether no tensor of its graph carries a mask
_DIRECT = weakref.WeakKeyDictionary()  # layer -> whether its `call` may run without `__call__`


def _walk(model, inputs, training):
    """`Functional.call` through Keras's own graph walk, calling layers as `_call_layer` does.

    None where the graph's tensors carry Keras masks: those travel through
    `Layer.__call__`, so Keras's `call` serves.
    """
    if model not in _UNMASKED:
        _UNMASKED[model] = not any(
            _has_mask(t)
            for nodes in model._nodes_by_depth.values()
            for n in nodes
            for t in n.outputs
        )
    if not _UNMASKED[model]:
        return None
    outputs = model._run_through_graph(
        model._standardize_inputs(inputs),
        operation_fn=lambda operation: operation,
        call_fn=lambda operation, *args, **kwargs: _call_layer(operation, args, kwargs, training),
    )
    # Functional.call returns a one-output list as the output itself
    if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
        return outputs[0]
    return outputs


def _call_layer(operation, args, kwargs, training):
    """One node: `layer.call(x, training=...)` where `__call__` is bookkeeping only.

    That is a layer of Keras or zoo taking one tensor of its own dtype (plus
    the `training` and empty `mask` that `__call__` recorded on the node),
    computing in its variables' dtype, without an activity regulariser. Every
    other node (a user's layer, several or keyword tensors, ops) is called as
    `Functional.call` calls it.
    """
    if training is not None and "training" in getattr(operation, "_call_context_args", ()):
        kwargs["training"] = training
    if (
        len(args) == 1
        and kwargs.get("mask") is None
        and set(kwargs) <= {"training", "mask"}
        and keras.ops.is_tensor(args[0])
        and _direct(operation)
        and (
            not operation._convert_input_args
            or keras.backend.standardize_dtype(args[0].dtype) == operation.input_dtype
        )
    ):
        if operation._call_has_training_arg:
            return operation.call(args[0], training=kwargs.get("training"))
        return operation.call(args[0])
    return operation(*args, **kwargs)


def _direct(operation):
    if operation not in _DIRECT:
        _DIRECT[operation] = (
            isinstance(operation, keras.layers.Layer)
            and not isinstance(operation, keras.layers.InputLayer)
            # a user's layer may rely on anything __call__ does
            and type(operation).__module__.split(".")[0] in ("keras", "zoo")
            and operation.activity_regularizer is None
            and operation.compute_dtype == operation.variable_dtype
        )
    return _DIRECT[operation]


def _symbolic(inputs):
    return any(isinstance(x, keras.KerasTensor) for x in keras.tree.flatten(inputs))


def _has_mask(tensor):
    return getattr(tensor, "_keras_mask", None) is not None
