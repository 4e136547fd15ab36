"""TF1 API: `tf.nn.static_rnn`, `tf.nn.dynamic_rnn`, `tf.nn.static_bidirectional_rnn`,
`tf.nn.bidirectional_dynamic_rnn` (TF1's ops/rnn.py).

dynamic_rnn is one `tf.while_loop` over time reading inputs from a TensorArray and writing
outputs into one (frontend/ops/tensor_array_ops.py); with `sequence_length`, outputs past each
row's length are zeros and its state is copied through (selects, no `cond`, so the loop stays
one native loop on the cpu backend). Variables live under `scope` (default "rnn").
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, math_ops, variables
from .control_flow import _flatten, _is_sequence, _pack, while_loop
from .tensor_array_ops import TensorArray

__all__ = ["static_rnn", "dynamic_rnn", "static_bidirectional_rnn", "bidirectional_dynamic_rnn"]


def _batch_size(flat: list[Tensor], axis: int) -> Any:
    for x in flat:
        if x.shape.rank is not None and x.shape.dims[axis] is not None:
            return int(x.shape.dims[axis])
    return array_ops.shape(flat[0])[axis]


def _initial_state(cell: Any, initial_state: Any, batch: Any, dtype: Any) -> Any:
    if initial_state is not None:
        return initial_state
    if dtype is None:
        raise ValueError("If there is no initial_state, you must give a dtype.")
    return cell.zero_state(batch, dtype)


def _select_rows(copy: Tensor, old: Tensor, new: Tensor) -> Tensor:
    """Rows where `copy` holds keep `old`, others take `new`."""
    cond = array_ops.reshape(copy, array_ops.concat([array_ops.shape(copy), [1] * (new.shape.rank - 1)], 0)) \
        if new.shape.rank and new.shape.rank > 1 else copy
    out = math_ops.where_v2(cond, old, new)
    out.set_shape(new.shape)
    return out


def _mask_step(time: Tensor, sequence_length: Tensor | None, state: Any, output: Any, new_state: Any) -> Any:
    if sequence_length is None:
        return output, new_state
    copy = math_ops.greater_equal(time, sequence_length)
    outs = [_select_rows(copy, array_ops.zeros_like(o), o) for o in _flatten(output)]
    states = [_select_rows(copy, s, n) for s, n in zip(_flatten(state), _flatten(new_state))]
    return _pack(output, outs) if _is_sequence(output) else outs[0], \
        _pack(new_state, states) if _is_sequence(new_state) else states[0]


def _seq_len(sequence_length: Any) -> Tensor | None:
    if sequence_length is None:
        return None
    s = math_ops.cast(convert_to_tensor(sequence_length), dtypes.int32)
    if s.shape.rank not in (None, 1):
        raise ValueError(f"sequence_length must be a vector of length batch_size, but saw shape: {s.shape}")
    return array_ops.identity(s, name="sequence_length")


def static_rnn(cell: Any, inputs: Any, initial_state: Any = None, dtype: Any = None, sequence_length: Any = None,
               scope: Any = None) -> tuple[list, Any]:
    """The cell applied to a Python list of [batch, depth] inputs, one call per step."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variables.variable_scope(scope or "rnn") as varscope:
        first = [convert_to_tensor(x) for x in _flatten(inputs[0])]
        state = _initial_state(cell, initial_state, _batch_size(first, 0), dtype)
        seq = _seq_len(sequence_length)
        outputs = []
        for time, x in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(x, state)
            output, state = _mask_step(convert_to_tensor(time), seq, state, output, new_state)
            outputs.append(output)
        return outputs, state


def _reverse_seq(inputs: list, lengths: Any) -> list:
    if lengths is None:
        return list(reversed(inputs))
    stacked = array_ops.stack(inputs)
    rev = array_ops.reverse_sequence(stacked, math_ops.cast(lengths, dtypes.int64), seq_axis=0, batch_axis=1)
    return array_ops.unstack(rev, num=len(inputs))


def static_bidirectional_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, initial_state_fw: Any = None,
                             initial_state_bw: Any = None, dtype: Any = None, sequence_length: Any = None,
                             scope: Any = None) -> tuple[list, Any, Any]:
    """Forward and backward static_rnn; outputs are their depth-concatenation per step."""
    with variables.variable_scope(scope or "bidirectional_rnn"):
        with variables.variable_scope("fw") as fw_scope:
            out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length, scope=fw_scope)
        with variables.variable_scope("bw") as bw_scope:
            tmp, state_bw = static_rnn(cell_bw, _reverse_seq(list(inputs), sequence_length), initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
        out_bw = _reverse_seq(tmp, sequence_length)
        return [array_ops.concat([f, b], 1) for f, b in zip(out_fw, out_bw)], state_fw, state_bw


def _transpose_time(x: Tensor) -> Tensor:
    rank = x.shape.rank
    if rank is None or rank < 2:
        raise ValueError(f"Expected input tensor {x.name} to be at least rank 2, got shape {x.shape}")
    return array_ops.transpose(x, [1, 0] + list(range(2, rank)))


def dynamic_rnn(cell: Any, inputs: Any, sequence_length: Any = None, initial_state: Any = None, dtype: Any = None,
                parallel_iterations: int | None = None, swap_memory: bool = False, time_major: bool = False,
                scope: Any = None) -> tuple[Any, Any]:
    """The cell unrolled by a while_loop over the time axis (dim 1, or 0 when `time_major`)."""
    with variables.variable_scope(scope or "rnn"):
        flat = [convert_to_tensor(x) for x in _flatten(inputs)]
        if not time_major:
            flat = [_transpose_time(x) for x in flat]
        seq = _seq_len(sequence_length)
        batch = _batch_size(flat, 1)
        state = _initial_state(cell, initial_state, batch, dtype)
        time_steps = flat[0].shape.dims[0] if flat[0].shape.rank else None
        n = convert_to_tensor(time_steps) if time_steps is not None else array_ops.shape(flat[0])[0]
        in_tas = [TensorArray(x.dtype, size=n).unstack(x) for x in flat]
        out_dtype = _flatten(state)[0].dtype
        out_sizes = _flatten(cell.output_size)
        out_tas = []
        for size in out_sizes:
            like = array_ops.zeros(array_ops.stack([batch, int(size)]) if not isinstance(batch, int)
                                   else [batch, int(size)], dtype=out_dtype)
            like.set_shape(TensorShape([batch if isinstance(batch, int) else None, int(size)]))
            ta = TensorArray(out_dtype, size=n)
            out_tas.append(ta._derive(ta._buffer_for(like)))

        def body(time: Tensor, outs: list, state: Any) -> tuple:
            xs = [ta.read(time) for ta in in_tas]
            x_t = _pack(inputs, xs) if _is_sequence(inputs) else xs[0]
            output, new_state = cell(x_t, state)
            output, new_state = _mask_step(time, seq, state, output, new_state)
            return time + 1, [ta.write(time, o) for ta, o in zip(outs, _flatten(output))], new_state

        _, outs, final_state = while_loop(lambda t, o, s: t < n, body, (convert_to_tensor(0), out_tas, state),
                                          parallel_iterations=parallel_iterations or 32, swap_memory=swap_memory,
                                          maximum_iterations=n)
        stacked = []
        for ta in outs:
            y = ta.stack()
            stacked.append(y if time_major else _transpose_time(y))
        output = _pack(cell.output_size, stacked) if _is_sequence(cell.output_size) else stacked[0]
        return output, final_state


def bidirectional_dynamic_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, sequence_length: Any = None,
                              initial_state_fw: Any = None, initial_state_bw: Any = None, dtype: Any = None,
                              parallel_iterations: int | None = None, swap_memory: bool = False,
                              time_major: bool = False, scope: Any = None) -> tuple[tuple, tuple]:
    """Forward dynamic_rnn and one over the (length-)reversed inputs: ((out_fw, out_bw), (st_fw, st_bw))."""
    time_dim, batch_dim = (0, 1) if time_major else (1, 0)

    def rev(x: Tensor) -> Tensor:
        if sequence_length is None:
            return array_ops.reverse(x, axis=[time_dim])
        return array_ops.reverse_sequence(x, math_ops.cast(sequence_length, dtypes.int64), seq_axis=time_dim,
                                          batch_axis=batch_dim)

    with variables.variable_scope(scope or "bidirectional_rnn"):
        with variables.variable_scope("fw") as fw_scope:
            out_fw, st_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                                        parallel_iterations, swap_memory, time_major, scope=fw_scope)
        with variables.variable_scope("bw") as bw_scope:
            rev_in = _pack(inputs, [rev(convert_to_tensor(x)) for x in _flatten(inputs)]) if _is_sequence(inputs) \
                else rev(convert_to_tensor(inputs))
            tmp, st_bw = dynamic_rnn(cell_bw, rev_in, sequence_length, initial_state_bw, dtype, parallel_iterations,
                                     swap_memory, time_major, scope=bw_scope)
        return (out_fw, rev(tmp)), (st_fw, st_bw)
