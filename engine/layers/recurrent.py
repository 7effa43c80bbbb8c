"""SimpleRNN, LSTM and GRU: Keras 3 names, arguments, defaults, weight layouts and gate orders.

Each layer reads a batch of sequences (B, T, d) and runs one compiled kernel over the whole sequence (see
``engine.kernels.recurrent``). Weights, in Keras' order: kernel (d, k·u), recurrent_kernel (u, k·u), bias
(k·u,) — (2, 3u) for GRU with reset_after=True — with k = 1 (SimpleRNN), 4 (LSTM: i, f, c, o) or 3 (GRU: z,
r, h). The initial state is zeros.

Not supported (a clear error says so): return_state (a layer has one output in the graph), stateful, dropout
and recurrent_dropout inside the cell (put a Dropout layer before or after), masking.
"""
from __future__ import annotations

import numpy as np

from engine import activations, constraints, initializers, regularizers
from engine.kernels.recurrent import lstm_backward, lstm_forward, simple_rnn_backward, simple_rnn_forward
from engine.kernels.recurrent_gru import gru_backward, gru_forward
from engine.layers.base import Layer, ParamSpec, ShapeError, WeightSpec
from engine.layers.registry import register_layer


def _whole_positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive whole number, got {value!r}")
    return int(value)


def _elementwise_activation(identifier, what: str) -> activations.Activation:
    activation = activations.get(identifier)
    if not activation.is_elementwise:
        raise ValueError(f"{what} must be an elementwise activation (tanh, sigmoid, relu, ...), not softmax")
    return activation


class _UnitForgetBias(initializers.Initializer):
    """Keras' LSTM bias with unit_forget_bias=True: the forget gate's quarter starts at 1, the rest from
    ``inner`` (called in Keras' order: i, then c and o together)."""

    def __init__(self, inner: initializers.Initializer, units: int):
        self.inner, self.units = inner, units

    def __call__(self, shape, dtype=np.float32, rng=None):
        units = self.units
        return np.concatenate([self.inner((units,), dtype=dtype, rng=rng), np.ones(units, dtype=dtype),
                               self.inner((2 * units,), dtype=dtype, rng=rng)]).astype(dtype)


_COMMON_HEAD = (
    ParamSpec("units", "int", 1, "size of the state (number of neurons)", minimum=1, maximum=100_000),
    ParamSpec("activation", "activation", "tanh", "applied to the state candidate"),
)
_RECURRENT_ACTIVATION = ParamSpec("recurrent_activation", "activation", "sigmoid", "applied to the gates")
_COMMON_BODY = (
    ParamSpec("use_bias", "bool", True, "add biases"),
    ParamSpec("kernel_initializer", "initializer", "glorot_uniform", "how input weights start"),
    ParamSpec("recurrent_initializer", "initializer", "orthogonal", "how recurrent weights start"),
    ParamSpec("bias_initializer", "initializer", "zeros", "how biases start"),
)
_COMMON_TAIL = (
    ParamSpec("kernel_regularizer", "regularizer", None, "penalty on the input weights", optional=True),
    ParamSpec("recurrent_regularizer", "regularizer", None, "penalty on the recurrent weights", optional=True),
    ParamSpec("bias_regularizer", "regularizer", None, "penalty on the biases", optional=True),
    ParamSpec("kernel_constraint", "constraint", None, "limit on the input weights", optional=True),
    ParamSpec("recurrent_constraint", "constraint", None, "limit on the recurrent weights", optional=True),
    ParamSpec("bias_constraint", "constraint", None, "limit on the biases", optional=True),
    ParamSpec("return_sequences", "bool", False, "output the state at every time step, not only the last"),
    ParamSpec("go_backwards", "bool", False, "read the sequence from its end (outputs in reading order)"),
)


class _Recurrent(Layer):
    """Shared arguments, shapes, buffers and the forward/backward plumbing of the three recurrent layers."""

    gates = 1  # k: blocks of ``units`` columns in the kernels

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False, go_backwards=False,
                 dropout=0.0, recurrent_dropout=0.0, return_state=False, stateful=False, unroll=False, seed=None,
                 **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        kwargs.pop("implementation", None)  # Keras' choice of equivalent computations; same numbers here
        super().__init__(**kwargs)
        kind = type(self).__name__
        if return_state:
            raise NotImplementedError(f"{kind}(return_state=True) is not supported yet: a layer has one output "
                                      "in the network graph. Use return_sequences=True and take what you need "
                                      "from the sequence, or leave return_state=False")
        if stateful:
            raise NotImplementedError(f"{kind}(stateful=True) is not supported: every batch starts from a zero "
                                      "state")
        if dropout or recurrent_dropout:
            raise NotImplementedError(f"{kind}: dropout and recurrent_dropout inside the layer are not supported "
                                      "yet; put a Dropout layer before or after it instead")
        self.units = _whole_positive(units, f"{kind} units")
        self._activation = _elementwise_activation(activation, f"{kind} activation")
        self._recurrent_activation = _elementwise_activation(recurrent_activation, f"{kind} recurrent_activation")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.return_sequences = bool(return_sequences)
        self.go_backwards = bool(go_backwards)
        # Keras 2 style: LSTM(32, input_shape=(20, 1)) declares the model input (see Sequential).
        self.declared_input_shape = tuple(input_shape) if input_shape is not None else None
        self._buffers: dict = {}

    def __call__(self, inputs, training=None, initial_state=None, mask=None, **kwargs):
        if initial_state is not None or mask is not None:
            raise NotImplementedError(f"{self.type_name}: initial_state and mask are not supported yet; every "
                                      "sequence starts from a zero state and all time steps count")
        return super().__call__(inputs, training=training, **kwargs)

    @property
    def activation(self) -> str:
        return self._activation.name

    @property
    def recurrent_activation(self) -> str:
        return self._recurrent_activation.name

    # -- shapes and weights ---------------------------------------------------------------------------
    def compute_output_shape(self, input_shapes):
        self.check_input_count(len(input_shapes))
        shape = tuple(input_shapes[0])
        if len(shape) != 2:
            raise ShapeError(f"{self.type_name} reads sequences: samples of shape (time steps, features), got "
                             f"{shape}; reshape the data (e.g. Reshape(({shape[0] if shape else 1}, 1))) or "
                             "give the Input a shape like (steps, features)")
        if shape[1] is None:
            raise ShapeError(f"{self.type_name} needs the number of features (last input dimension) to be known")
        if shape[0] == 0:
            raise ShapeError(f"{self.type_name} needs at least one time step")
        return (shape[0], self.units) if self.return_sequences else (self.units,)

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def weight_specs(self, input_shapes):
        features, width = int(input_shapes[0][-1]), self.gates * self.units
        specs = [WeightSpec("kernel", (features, width), self.kernel_initializer, self.kernel_regularizer,
                            self.kernel_constraint),
                 WeightSpec("recurrent_kernel", (self.units, width), self.recurrent_initializer,
                            self.recurrent_regularizer, self.recurrent_constraint)]
        if self.use_bias:
            specs.append(WeightSpec("bias", self._bias_shape(), self._bias_initializer(), self.bias_regularizer,
                                    self.bias_constraint))
        return specs

    def build(self, input_shapes, rng, dtype=np.float32):
        super().build(input_shapes, rng, dtype)
        # The kernels need C-ordered arrays; the Orthogonal initializer can return Fortran order (a network
        # later rebinds every weight to a C-ordered view of its flat buffer anyway).
        for slot in self.weights_by_name.values():
            if not (slot.value.flags.c_contiguous and slot.grad.flags.c_contiguous):
                slot.value = np.ascontiguousarray(slot.value)
                slot.grad = np.zeros_like(slot.value)

    # -- computation ----------------------------------------------------------------------------------
    def _bias_arrays(self):
        """(value, grad) of the bias, or zero arrays of its shape without one (the kernels ignore them)."""
        if self.use_bias:
            slot = self.weights_by_name["bias"]
            return slot.value, slot.grad
        dtype = self.weights_by_name["kernel"].value.dtype
        return np.zeros(self._bias_shape(), dtype), np.zeros(self._bias_shape(), dtype)

    def _buffer_shapes(self, steps: int, batch: int) -> dict:
        width = self.gates * self.units
        return {"pre": (steps, batch, width), "h": (steps + 1, batch, self.units)}

    def _buffers_for(self, steps: int, batch: int, features: int, dtype) -> dict:
        """Work arrays, reused while batch size, length and dtype stay the same (the usual case in fit)."""
        key = (steps, batch, features, np.dtype(dtype))
        if self._buffers.get("key") != key:
            shapes = self._buffer_shapes(steps, batch)
            shapes["grad_x"] = (steps, batch, features)
            self._buffers = {name: np.empty(shape, dtype) for name, shape in shapes.items()}
            self._buffers["key"] = key
        return self._buffers

    def _codes(self) -> tuple:
        return (self._activation.code, self._activation.alpha, self._recurrent_activation.code,
                self._recurrent_activation.alpha)

    def _fast(self) -> bool:
        # float32 takes the kernels' vectorised tanh/sigmoid (within 4e-7); float64 stays exact
        return self._x.dtype == np.float32

    def forward(self, inputs, training):
        x = inputs[0]
        dtype = self.weights_by_name["kernel"].value.dtype
        sequence = x[:, ::-1] if self.go_backwards else x
        self._x = np.ascontiguousarray(sequence.transpose(1, 0, 2), dtype=dtype)  # time-major (T, B, d)
        steps, batch, features = self._x.shape
        if steps == 0:
            raise ValueError(f"{self.name}: the sequences are empty (0 time steps)")
        buffers = self._buffers_for(steps, batch, features, dtype)
        slots = self.weights_by_name
        self._run_forward(slots["kernel"].value, slots["recurrent_kernel"].value, self._bias_arrays()[0], buffers)
        h = buffers["h"]
        if self.return_sequences:
            return np.ascontiguousarray(h[1:].transpose(1, 0, 2))
        return h[steps].copy()

    def backward(self, grad_output):
        grad = np.asarray(grad_output, dtype=self._x.dtype)
        grad = np.ascontiguousarray(grad.transpose(1, 0, 2)) if self.return_sequences else \
            np.ascontiguousarray(grad)[None]
        slots = self.weights_by_name
        buffers = self._buffers
        self._run_backward(slots["kernel"].value, slots["recurrent_kernel"].value, grad, slots["kernel"].grad,
                           slots["recurrent_kernel"].grad, self._bias_arrays()[1], buffers)
        grad_x = buffers["grad_x"].transpose(1, 0, 2)
        return [np.ascontiguousarray(grad_x[:, ::-1] if self.go_backwards else grad_x)]

    def _run_forward(self, w, rw, b, buffers) -> None:
        raise NotImplementedError

    def _run_backward(self, w, rw, grad, grad_w, grad_rw, grad_b, buffers) -> None:
        raise NotImplementedError


@register_layer("Recurrent", icon="simple_rnn", description="Recurrent layer: a state updated at every time step")
class SimpleRNN(_Recurrent):
    """Fully connected recurrent layer: h_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias)."""

    param_specs = _COMMON_HEAD + _COMMON_BODY + _COMMON_TAIL
    gates = 1

    def __init__(self, units, activation="tanh", **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNN has no recurrent_activation argument (LSTM and GRU have one)")
        super().__init__(units, activation=activation, **kwargs)

    def _run_forward(self, w, rw, b, buffers):
        code, alpha, _, _ = self._codes()
        simple_rnn_forward(self._x, w, rw, b, self.use_bias, code, alpha, self._fast(), buffers["pre"], buffers["h"])

    def _run_backward(self, w, rw, grad, grad_w, grad_rw, grad_b, buffers):
        code, alpha, _, _ = self._codes()
        simple_rnn_backward(self._x, w, rw, self.use_bias, code, alpha, buffers["pre"], buffers["h"], grad,
                            self.return_sequences, grad_w, grad_rw, grad_b, buffers["grad_x"])


@register_layer("Recurrent", icon="lstm", description="Long short-term memory: a recurrent layer with gates")
class LSTM(_Recurrent):
    """Long Short-Term Memory (Hochreiter & Schmidhuber, 1997) with Keras' gate order i, f, c, o."""

    param_specs = (_COMMON_HEAD + (_RECURRENT_ACTIVATION,) + _COMMON_BODY +
                   (ParamSpec("unit_forget_bias", "bool", True, "start the forget gate's biases at 1"),) +
                   _COMMON_TAIL)
    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return _UnitForgetBias(self.bias_initializer, self.units)
        return self.bias_initializer

    def _buffer_shapes(self, steps, batch):
        shapes = super()._buffer_shapes(steps, batch)
        shapes.update(gates=shapes["pre"], c=shapes["h"], tc=(steps, batch, self.units))
        return shapes

    def _run_forward(self, w, rw, b, buffers):
        lstm_forward(self._x, w, rw, b, self.use_bias, *self._codes(), self._fast(), buffers["pre"], buffers["gates"],
                     buffers["c"], buffers["tc"], buffers["h"])

    def _run_backward(self, w, rw, grad, grad_w, grad_rw, grad_b, buffers):
        lstm_backward(self._x, w, rw, self.use_bias, *self._codes(), buffers["pre"], buffers["gates"], buffers["c"],
                      buffers["tc"], buffers["h"], grad, self.return_sequences, grad_w, grad_rw, grad_b,
                      buffers["grad_x"])


@register_layer("Recurrent", icon="gru", description="Gated recurrent unit: a lighter gated recurrent layer")
class GRU(_Recurrent):
    """Gated Recurrent Unit (Cho et al., 2014) with Keras' gate order z, r, h; reset_after=True by default."""

    param_specs = (_COMMON_HEAD + (_RECURRENT_ACTIVATION,) + _COMMON_BODY + _COMMON_TAIL +
                   (ParamSpec("reset_after", "bool", True, "apply the reset gate after the recurrent product "
                              "(Keras 3 and cuDNN convention; two bias rows)"),))
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _buffer_shapes(self, steps, batch):
        shapes = super()._buffer_shapes(steps, batch)
        shapes.update(gates=shapes["pre"], rh=(steps, batch, self.units))
        return shapes

    def _rows(self, bias: np.ndarray) -> np.ndarray:
        # The kernels take the bias as rows (input, recurrent); a (3u,) bias is one row (a view, not a copy).
        return bias.reshape(-1, 3 * self.units)

    def _run_forward(self, w, rw, b, buffers):
        gru_forward(self._x, w, rw, self._rows(b), self.use_bias, self.reset_after, *self._codes(), self._fast(),
                    buffers["pre"], buffers["gates"], buffers["rh"], buffers["h"])

    def _run_backward(self, w, rw, grad, grad_w, grad_rw, grad_b, buffers):
        gru_backward(self._x, w, rw, self.use_bias, self.reset_after, *self._codes(), buffers["pre"],
                     buffers["gates"], buffers["rh"], buffers["h"], grad, self.return_sequences, grad_w, grad_rw,
                     self._rows(grad_b), buffers["grad_x"])
