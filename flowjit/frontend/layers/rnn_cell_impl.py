"""`tf.nn.rnn_cell` / `tf.contrib.rnn` cells: RNNCell, BasicRNNCell, BasicLSTMCell, LSTMCell,
GRUCell, MultiRNNCell and the Dropout/Residual/Device wrappers, with LSTMStateTuple.

Home: `frontend/layers/`, because in TF1 an RNN cell *is* a `tf.layers.Layer` (TF's
rnn_cell_impl.LayerRNNCell): it owns variables made with `get_variable` in a variable scope
captured on its first call (`rnn/basic_lstm_cell/kernel`), re-entered with reuse on every later
call (every time step), which is exactly `Layer.__call__` (layers/base.py). The math and the
variable names (`kernel`, `bias`, `gates/kernel`, `candidate/bias`, `w_f_diag`,
`projection/kernel`) and initializers (glorot_uniform via get_variable's default, zero biases,
GRU gate bias 1.0) follow TF1's rnn_cell_impl.py. Wrappers add no variable scope of their own,
as in TF1.
"""

from __future__ import annotations

import collections
from typing import Any, Callable

from ...ir.shapes import TensorShape, as_shape
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, init_ops, math_ops, nn_ops, variables
from ..ops.control_flow import _flatten, _is_sequence, _pack
from .base import Layer

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
           "DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "LSTMStateTuple"]

_WEIGHTS = "kernel"
_BIAS = "bias"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """`(c, h)`: the LSTM's cell state and output (hidden) state."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _size_shape(size: Any) -> TensorShape:
    return as_shape(size) if not isinstance(size, int) else TensorShape([size])


def _zeros_for(size: Any, batch_size: Any, dtype: Any) -> Tensor:
    """zeros [batch_size, *size] (batch_size a Python int or a scalar tensor)."""
    shape = _size_shape(size)
    static_batch = batch_size if isinstance(batch_size, int) else None
    if static_batch is not None:
        return array_ops.zeros([static_batch] + shape.as_list(), dtype=dtype)
    dims = array_ops.concat([array_ops.reshape(convert_to_tensor(batch_size), [1]), shape.as_list()], 0)
    z = array_ops.zeros(dims, dtype=dtype)
    z.set_shape(TensorShape([None]).concatenate(shape))
    return z


class RNNCell(Layer):
    """Abstract cell: subclasses define `state_size`, `output_size` and `call(inputs, state)`."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)

    def __call__(self, inputs: Any, state: Any, scope: Any = None, **kwargs: Any) -> Any:
        """Run one step: `(output, new_state)`; variables live in the cell's scope (or `scope`)."""
        if scope is not None:
            kwargs["scope"] = scope
        return super().__call__(inputs, state, **kwargs)

    @property
    def state_size(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define state_size")

    @property
    def output_size(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define output_size")

    def build(self, input_shape: TensorShape) -> None:
        self.built = True

    def get_initial_state(self, inputs: Any = None, batch_size: Any = None, dtype: Any = None) -> Any:
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = inputs.shape.dims[0] if inputs.shape.dims[0] is not None else array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """Zeros shaped like `state_size` for `batch_size` rows (nested as state_size is)."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            size = self.state_size
            if _is_sequence(size):
                return _pack(size, [_zeros_for(s, batch_size, dtype) for s in _flatten(size)])
            return _zeros_for(size, batch_size, dtype)


class LayerRNNCell(RNNCell):
    """A cell whose variables are made in `build` (TF1's LayerRNNCell)."""


def _input_depth(cell: Any, input_shape: TensorShape) -> int:
    depth = input_shape.dims[-1] if input_shape.rank else None
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {input_shape}")
    return int(depth)


def _activation_or(activation: Any, default: Callable) -> Callable:
    if activation is None:
        return default
    if isinstance(activation, str):
        return getattr(nn_ops, activation) if hasattr(nn_ops, activation) else getattr(math_ops, activation)
    return activation


class BasicRNNCell(LayerRNNCell):
    """`output = new_state = act(W [x, h] + b)`."""

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None, name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._activation = _activation_or(activation, math_ops.tanh)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        self._kernel = self.add_weight(_WEIGHTS, [depth + self._num_units, self._num_units])
        self._bias = self.add_weight(_BIAS, [self._num_units], initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        gate = math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel)
        out = self._activation(nn_ops.bias_add(gate, self._bias))
        return out, out


class GRUCell(LayerRNNCell):
    """Gated recurrent unit (Cho et al. 2014), TF1's arrangement of gates and candidate."""

    def __init__(self, num_units: int, activation: Any = None, reuse: Any = None, kernel_initializer: Any = None,
                 bias_initializer: Any = None, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._activation = _activation_or(activation, math_ops.tanh)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        self._gate_kernel = self.add_weight(f"gates/{_WEIGHTS}", [depth + n, 2 * n],
                                            initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight(f"gates/{_BIAS}", [2 * n], initializer=(
            self._bias_initializer if self._bias_initializer is not None
            else init_ops.constant_initializer(1.0)))
        self._candidate_kernel = self.add_weight(f"candidate/{_WEIGHTS}", [depth + n, n],
                                                 initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight(f"candidate/{_BIAS}", [n], initializer=(
            self._bias_initializer if self._bias_initializer is not None
            else init_ops.zeros_initializer()))
        self.built = True

    def call(self, inputs: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        gates = math_ops.sigmoid(nn_ops.bias_add(
            math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel), self._gate_bias))
        r, u = array_ops.split(gates, 2, axis=1)
        candidate = nn_ops.bias_add(
            math_ops.matmul(array_ops.concat([inputs, r * state], 1), self._candidate_kernel), self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(LayerRNNCell):
    """LSTM without peepholes or projection (Zaremba et al. 2014); `forget_bias` added to f."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True, activation: Any = None,
                 reuse: Any = None, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = int(num_units)
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation_or(activation, math_ops.tanh)

    @property
    def state_size(self) -> Any:
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self) -> int:
        return self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        self._kernel = self.add_weight(_WEIGHTS, [depth + n, 4 * n])
        self._bias = self.add_weight(_BIAS, [4 * n], initializer=init_ops.zeros_initializer())
        self.built = True

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=1)
        gate_inputs = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(gate_inputs, 4, axis=1)
        forget = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        new_c = c * math_ops.sigmoid(f + forget) + math_ops.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(LayerRNNCell):
    """LSTM with optional peepholes, cell clipping and a projection (Hochreiter 1997; Sak 2014)."""

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip: float | None = None,
                 initializer: Any = None, num_proj: int | None = None, proj_clip: float | None = None,
                 num_unit_shards: Any = None, num_proj_shards: Any = None, forget_bias: float = 1.0,
                 state_is_tuple: bool = True, activation: Any = None, reuse: Any = None, name: str | None = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise ValueError("num_unit_shards and num_proj_shards are deprecated and not supported; "
                             "use a variable_scope partitioner instead")
        self._num_units = int(num_units)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation_or(activation, math_ops.tanh)

    @property
    def state_size(self) -> Any:
        m = self._num_proj or self._num_units
        return LSTMStateTuple(self._num_units, m) if self._state_is_tuple else self._num_units + m

    @property
    def output_size(self) -> int:
        return self._num_proj or self._num_units

    def build(self, input_shape: TensorShape) -> None:
        depth = _input_depth(self, input_shape)
        n = self._num_units
        h_depth = self._num_proj or n
        self._kernel = self.add_weight(_WEIGHTS, [depth + h_depth, 4 * n], initializer=self._initializer)
        self._bias = self.add_weight(_BIAS, [4 * n], initializer=init_ops.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", [n], initializer=self._initializer)
            self._w_i_diag = self.add_weight("w_i_diag", [n], initializer=self._initializer)
            self._w_o_diag = self.add_weight("w_o_diag", [n], initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_weight(f"projection/{_WEIGHTS}", [n, self._num_proj],
                                                initializer=self._initializer)
        self.built = True

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        n = self._num_units
        m_depth = self._num_proj or n
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, n])
            m_prev = array_ops.slice(state, [0, n], [-1, m_depth])
        lstm = nn_ops.bias_add(math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(lstm, 4, axis=1)
        fb = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        if self._use_peepholes:
            c = (math_ops.sigmoid(f + fb + self._w_f_diag * c_prev) * c_prev
                 + math_ops.sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = math_ops.sigmoid(f + fb) * c_prev + math_ops.sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = math_ops.sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = math_ops.sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1)
        return m, new_state


class MultiRNNCell(RNNCell):
    """Cells stacked: layer k's output is layer k+1's input; the state is a tuple, one per cell."""

    def __init__(self, cells: Any, state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(_is_sequence(c.state_size) for c in self._cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is not set. "
                             f"State sizes are: {[c.state_size for c in self._cells]}")

    @property
    def state_size(self) -> Any:
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
            return super().zero_state(batch_size, dtype)

    @property
    def trainable_weights(self) -> list[Any]:
        return [w for c in self._cells for w in c.trainable_weights] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Any]:
        return [w for c in self._cells for w in c.non_trainable_weights]

    def call(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        cur = inputs
        new_states = []
        offset = 0
        for k, cell in enumerate(self._cells):
            with variables.variable_scope(f"cell_{k}"):
                if self._state_is_tuple:
                    if not _is_sequence(state):
                        raise ValueError(f"Expected state to be a tuple of length {len(self.state_size)}, but "
                                         f"received: {state}")
                    cur_state = state[k]
                else:
                    cur_state = array_ops.slice(state, [0, offset], [-1, cell.state_size])
                    offset += cell.state_size
                cur, new_state = cell(cur, cur_state)
                new_states.append(new_state)
        out_state = tuple(new_states) if self._state_is_tuple else array_ops.concat(new_states, 1)
        return cur, out_state


class _Wrapper(RNNCell):
    """A cell around another cell; adds no variable scope (TF1's wrappers do not)."""

    def __init__(self, cell: Any) -> None:
        super().__init__()
        if not isinstance(cell, RNNCell) and not (hasattr(cell, "state_size") and callable(cell)):
            raise TypeError(f"The parameter cell is not a RNNCell: {cell!r}")
        self._cell = cell

    @property
    def wrapped_cell(self) -> Any:
        return self._cell

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    @property
    def trainable_weights(self) -> list[Any]:
        return self._cell.trainable_weights

    @property
    def non_trainable_weights(self) -> list[Any]:
        return self._cell.non_trainable_weights

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs: Any, state: Any, scope: Any = None, **kwargs: Any) -> Any:
        return self._wrapped_call(inputs, state, lambda x, s: self._cell(x, s, scope=scope))

    def _wrapped_call(self, inputs: Any, state: Any, run: Callable) -> Any:
        """What the wrapper does around `run(inputs, state)`, the wrapped cell's call; each
        wrapper (Dropout, Residual, Device) defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _wrapped_call")


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and (all but LSTM c) states, by keep probabilities."""

    def __init__(self, cell: Any, input_keep_prob: Any = 1.0, output_keep_prob: Any = 1.0, state_keep_prob: Any = 1.0,
                 variational_recurrent: bool = False, input_size: Any = None, dtype: Any = None, seed: int | None = None,
                 dropout_state_filter_visitor: Any = None) -> None:
        super().__init__(cell)
        if variational_recurrent:
            raise ValueError("DropoutWrapper(variational_recurrent=True) is not supported by flowjit")
        for name, p in (("input_keep_prob", input_keep_prob), ("output_keep_prob", output_keep_prob),
                        ("state_keep_prob", state_keep_prob)):
            if isinstance(p, (int, float)) and not 0.0 < float(p) <= 1.0:
                raise ValueError(f"Parameter {name} must be between 0 and 1: {p}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._filter = dropout_state_filter_visitor

    @staticmethod
    def _active(p: Any) -> bool:
        return not (isinstance(p, (int, float)) and float(p) == 1.0)

    def _drop(self, values: Any, keep: Any, salt: str, state: bool = False) -> Any:
        def one(x: Tensor, k: int) -> Tensor:
            seed = None if self._seed is None else hash((self._seed, salt, k)) % (2 ** 31)
            return nn_ops.dropout(x, keep_prob=keep, seed=seed)

        if state:
            def visit(s: Any, k: int) -> Any:
                if isinstance(s, LSTMStateTuple):
                    return LSTMStateTuple(s.c, visit(s.h, k))
                if _is_sequence(s):
                    return type(s)(visit(x, k * 7 + i) for i, x in enumerate(s))
                if self._filter is not None and not self._filter(s):
                    return s
                return one(s, k)
            return visit(values, 0)
        if _is_sequence(values):
            return _pack(values, [one(x, k) for k, x in enumerate(_flatten(values))])
        return one(values, 0)

    def _wrapped_call(self, inputs: Any, state: Any, run: Callable) -> Any:
        if self._active(self._input_keep_prob):
            inputs = self._drop(inputs, self._input_keep_prob, "input")
        output, new_state = run(inputs, state)
        if self._active(self._state_keep_prob):
            new_state = self._drop(new_state, self._state_keep_prob, "state", state=True)
        if self._active(self._output_keep_prob):
            output = self._drop(output, self._output_keep_prob, "output")
        return output, new_state


class ResidualWrapper(_Wrapper):
    """`output = residual_fn(inputs, cell_output)` (default: their sum)."""

    def __init__(self, cell: Any, residual_fn: Callable | None = None) -> None:
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _wrapped_call(self, inputs: Any, state: Any, run: Callable) -> Any:
        output, new_state = run(inputs, state)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        if _is_sequence(inputs):
            return _pack(inputs, [a + b for a, b in zip(_flatten(inputs), _flatten(output))]), new_state
        return convert_to_tensor(inputs) + output, new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell (and its zero state) on `device`."""

    def __init__(self, cell: Any, device: str) -> None:
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        with get_default_graph().device(self._device):
            return super().zero_state(batch_size, dtype)

    def _wrapped_call(self, inputs: Any, state: Any, run: Callable) -> Any:
        with get_default_graph().device(self._device):
            return run(inputs, state)

