"""`SequenceModel`: the functional `keras.Model` every builder returns.

It is an ordinary functional model (same layers, config, saving, `fit`,
`evaluate`) whose `predict` takes a lean path for in-memory arrays where the
backend has one (`zoo.backends.predict`): at the sizes this zoo is built for,
`keras.Model.predict`'s own machinery (data adapter, epoch iterator, callback
list, per-batch conversions) costs as much as the LSTMs themselves.

On the torch backend, which runs the model eagerly, its `call` also walks
the graph lean (`_Plan`): each Keras or zoo layer's `call` is run directly,
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

    On eager torch, `call` walks the graph with `_Plan` (see the module's
    docstring): the same numbers as `Functional.call`, for `fit`, `evaluate`
    and direct calls too.
    """

    def call(self, inputs, training=None, mask=None, **kwargs):
        if mask is None and not kwargs and backends.eager_layer_calls():
            plan = _plan(self)
            if plan is not None and not _symbolic(inputs):
                return plan.run(self._standardize_inputs(inputs), training)
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


_PLANS = weakref.WeakKeyDictionary()


def _plan(model):
    """The model's cached `_Plan`, or None where the graph carries masks."""
    if model not in _PLANS:
        _PLANS[model] = _Plan.of(model)
    return _PLANS[model]


def _symbolic(inputs):
    return any(isinstance(x, keras.KerasTensor) for x in keras.tree.flatten(inputs))


class _Plan:
    """A functional model's graph as a list of steps, for eager backends.

    What `Functional.call` does, minus `Layer.__call__` where it is
    bookkeeping only: a layer of Keras or zoo that takes one tensor of its
    own dtype, computes in its variables' dtype and has no activity
    regulariser gets `layer.call(x, training=...)`; every other step (custom
    layers, several inputs, keyword tensors, ops) is called as Keras calls
    it. Graphs whose tensors carry Keras masks are not planned: their masks
    travel through `Layer.__call__`.
    """

    def __init__(self, inputs, steps, outputs, structure):
        self.inputs, self.steps, self.outputs = inputs, steps, outputs
        self.structure = structure  # the outputs' nesting, as the model returns them

    @classmethod
    def of(cls, model):
        steps = []
        for depth in sorted(model._nodes_by_depth, reverse=True):
            for node in model._nodes_by_depth[depth]:
                if node.is_input or not node.operation:
                    continue
                if any(_has_mask(t) for t in node.outputs):
                    return None
                direct = _direct_arg(node)
                wanted = [id(t) for t in node.input_tensors]
                steps.append((node, direct, wanted, [id(t) for t in node.outputs]))
        outputs = [id(x) for x in model.outputs]
        return cls([id(x) for x in model.inputs], steps, outputs, model._outputs_struct)

    def run(self, inputs, training):
        values = dict(zip(self.inputs, inputs, strict=True))
        for node, direct, wanted, produced in self.steps:
            if any(key not in values for key in wanted):
                continue  # not reachable from these inputs, as in Functional
            operation = node.operation
            if direct is not None:
                if operation._call_has_training_arg:
                    recorded = node.arguments.kwargs.get("training", None)
                    mode = recorded if training is None else training
                    outputs = operation.call(values[direct], training=mode)
                else:
                    outputs = operation.call(values[direct])
            else:
                args, kwargs = node.arguments.fill_in(values)
                if training is not None and "training" in getattr(
                    operation, "_call_context_args", ()
                ):
                    kwargs["training"] = training
                outputs = operation(*args, **kwargs)
            values.update(zip(produced, keras.tree.flatten(outputs), strict=False))  # as Keras
        outputs = keras.tree.pack_sequence_as(self.structure, [values[key] for key in self.outputs])
        # Functional.call returns a one-output list as the output itself
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]
        return outputs


def _direct_arg(node):
    """The id of a node's one input tensor when its layer may be called directly."""
    layer = node.operation
    args, kwargs = node.arguments.args, node.arguments.kwargs
    # Layer.__call__ records the `training` and `mask` it filled in
    if len(args) != 1 or not isinstance(args[0], keras.KerasTensor):
        return None
    if set(kwargs) - {"training", "mask"} or kwargs.get("mask") is not None:
        return None
    if not isinstance(layer, keras.layers.Layer) or isinstance(layer, keras.layers.InputLayer):
        return None
    if type(layer).__module__.split(".")[0] not in ("keras", "zoo"):
        return None  # a user's layer may rely on anything __call__ does
    if layer.activity_regularizer is not None or layer.compute_dtype != layer.variable_dtype:
        return None
    if layer._convert_input_args and keras.backend.standardize_dtype(args[0].dtype) != (
        layer.input_dtype
    ):
        return None
    return id(args[0])


def _has_mask(tensor):
    return getattr(tensor, "_keras_mask", None) is not None
