"""The Keras backends zoo has no fast pieces for (numpy, openvino): Keras's own paths serve."""


def lstm(inputs, initial_h, initial_c, mask, **kwargs):
    raise NotImplementedError("No fused LSTM kernel for this backend: Keras's loop serves")


def predict_function(model):
    raise NotImplementedError("No lean predict for this backend: Keras's predict serves")


def supports_jit():
    return True


def eager_layer_calls():
    return False
