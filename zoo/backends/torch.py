"""Fused LSTM fast path for the torch backend: PyTorch's own LSTM operator.

`torch._VF.lstm` (private to PyTorch; read from torch 2.13.0) is the operator
behind `torch.nn.LSTM`: one C++ call for the
whole sequence on the CPU (and cuDNN on CUDA), differentiable with respect to
the weights. Keras's torch backend only uses it on CUDA; on the CPU it runs a
Python loop over time steps. Keras's gate order (input, forget, candidate,
output) is PyTorch's, so the weights only need transposing.

Right-padded masks run as packed sequences. Masked steps then get what Keras's
loop gives them: a forward layer repeats the last valid output, a
`go_backwards` layer (which reads the sequence from its end, so its padding
comes first) outputs zeros until the first valid step.
"""

import keras
import torch
from keras import ops
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def lstm(
    inputs,
    initial_h,
    initial_c,
    mask,
    *,
    kernel,
    recurrent_kernel,
    bias,
    return_sequences=False,
    go_backwards=False,
    unroll=False,
):
    if torch.jit.is_tracing() or torch.compiler.is_compiling():
        raise NotImplementedError("torch fast path: not under tracing or torch.compile")
    kernel = _tensor(kernel)
    recurrent_kernel = _tensor(recurrent_kernel)
    dtype = kernel.dtype
    x = _tensor(inputs, dtype)
    state = (_tensor(initial_h, dtype)[None], _tensor(initial_c, dtype)[None])
    zeros = torch.zeros(4 * recurrent_kernel.shape[0], dtype=dtype, device=x.device)
    bias = zeros if bias is None else _tensor(bias)
    # Transposed views: the CPU kernel multiplies through strides; cuDNN wants them packed
    weights = [kernel.T, recurrent_kernel.T, bias, zeros]
    if x.is_cuda:
        weights = [w.contiguous() for w in weights]
    training = torch.is_grad_enabled()

    if mask is None:
        if go_backwards:
            x = torch.flip(x, dims=[1])
        outputs, h, c = torch._VF.lstm(x, state, weights, True, 1, 0.0, training, False, True)
        h, c = h[0], c[0]
        return h, outputs if return_sequences else h[:, None], [h, c]

    mask = ops.convert_to_tensor(mask).to(torch.bool)
    steps = x.shape[1]
    lengths = mask.sum(dim=1)
    positions = torch.arange(steps, device=x.device)[None, :]
    right_padded = bool(torch.equal(mask, positions < lengths[:, None]))
    if not right_padded or int(lengths.min()) == 0:
        raise NotImplementedError("torch fast path: masks must be right-padded, never empty")
    last = (lengths - 1)[:, None]
    if go_backwards:  # each sequence reversed within its length
        x = torch.gather(
            x, 1, _index(torch.where(positions < lengths[:, None], last - positions, positions), x)
        )
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    order = packed.sorted_indices
    state = (state[0][:, order], state[1][:, order])
    data, h, c = torch._VF.lstm(
        packed.data, packed.batch_sizes, state, weights, True, 1, 0.0, training, False
    )
    h, c = h[0][packed.unsorted_indices], c[0][packed.unsorted_indices]
    if not return_sequences:
        return h, h[:, None], [h, c]
    result = PackedSequence(data, packed.batch_sizes, order, packed.unsorted_indices)
    outputs, _ = pad_packed_sequence(result, batch_first=True, total_length=steps)
    if go_backwards:  # padding first (zeros), then the valid outputs
        shift = steps - lengths[:, None]
        source = torch.clamp(positions - shift, min=0)
        outputs = torch.gather(outputs, 1, _index(source, outputs))
        outputs = outputs * (positions >= shift)[..., None].to(dtype)
    else:  # padded steps repeat the last valid output
        outputs = torch.gather(outputs, 1, _index(torch.minimum(positions, last), outputs))
    return h, outputs, [h, c]


def _tensor(value, dtype=None):
    """`value` as a torch tensor of `dtype`, without Keras's conversion where it is one already.

    At the small sizes Keras's `convert_to_tensor` (dtype standardization,
    device lookup) costs as much per call as the kernel's own arithmetic.
    """
    if isinstance(value, keras.Variable):
        value = value.value
    elif not isinstance(value, torch.Tensor):
        value = ops.convert_to_tensor(value)
    return value if dtype is None or value.dtype == dtype else value.to(dtype)


def _index(steps, values):
    """(batch, steps) step indices broadcast over the last axis of `values`."""
    return steps[..., None].expand(-1, -1, values.shape[-1])


def supports_jit():
    return True  # the torch backend never compiles with XLA


def eager_layer_calls():
    """Eager torch, where `Layer.__call__`'s bookkeeping is paid on every call."""
    return not (torch.jit.is_tracing() or torch.compiler.is_compiling())


def predict_function(model):
    """One batch of `model.predict`: the model's graph without autograd's bookkeeping.

    Runs `model.call`, skipping `Layer.__call__` at the model level too: the
    model is built and called at the top level (`SequenceModel.predict` has
    checked the input shapes), so that call's bookkeeping (call context,
    masks, symbolic nodes) has nothing to do.
    """

    def step(batch):
        with torch.no_grad():
            return model.call(batch, training=False)

    model.eval()  # what keras.Model.predict does on torch, for wrapped torch modules
    return step
