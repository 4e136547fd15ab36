"""TF1 API: `tf.nn.static_rnn`, `tf.nn.dynamic_rnn`, `tf.nn.static_bidirectional_rnn`,
`tf.nn.bidirectional_dynamic_rnn`, `tf.nn.raw_rnn` (TF1's ops/rnn.py).

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
from .control_flow import _flatten, _is_sequence, _pack, recording_while_loop, while_loop
from .tensor_array_ops import TensorArray

__all__ = ["static_rnn", "dynamic_rnn", "static_bidirectional_rnn", "bidirectional_dynamic_rnn", "raw_rnn"]


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


def raw_rnn(cell: Any, loop_fn: Any, parallel_iterations: int | None = None, swap_memory: bool = False,
            scope: Any = None) -> tuple[Any, Any, Any]:
    """The cell driven by `loop_fn(time, cell_output, cell_state, loop_state)`, which returns
    `(finished, next_input, next_cell_state, emit_output, next_loop_state)` (called first with
    time 0 and None for the rest, as TF1 does). Runs until every row is finished; a finished row
    emits zeros and keeps its state. Returns (emit_ta, final_state, final_loop_state): emit_ta a
    (nest of) dynamic-size TensorArray(s) of the emitted values, one element per step. The
    emits are the While's recorded values (stacked by the loop, differentiable), not a growing
    TensorArray buffer: a loop variable that grows could not be recorded for the gradient."""
    from .nest_ops import assert_same_structure

    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    with variables.variable_scope(scope or "rnn"):
        time = convert_to_tensor(0, name="time")
        finished, next_input, initial_state, emit_structure, loop_state = loop_fn(time, None, None, None)
        if initial_state is None:
            raise ValueError("loop_fn must return an initial cell state when called with time 0")
        finished = convert_to_tensor(finished)
        flat_input = [convert_to_tensor(x) for x in _flatten(next_input)]
        batch = _batch_size(flat_input, 0)
        if emit_structure is not None:
            flat_emit = [convert_to_tensor(e) for e in _flatten(emit_structure)]
            emit_specs = [(e.dtype, e.shape.as_list()[1:]) for e in flat_emit]
        else:
            emit_structure = cell.output_size
            state_dtype = _flatten(initial_state)[0].dtype
            emit_specs = [(state_dtype, [int(sz)]) for sz in _flatten(cell.output_size)]

        def zeros(spec: tuple) -> Tensor:
            dtype, dims = spec
            shape = [batch] + list(dims) if isinstance(batch, int) else array_ops.concat([[batch], dims], 0)
            return array_ops.zeros(shape, dtype=dtype)

        has_loop_state = loop_state is not None
        carried_loop_state = loop_state if has_loop_state else convert_to_tensor(0)

        def cond(time: Tensor, done: Tensor, *rest: Any) -> Tensor:
            return math_ops.logical_not(math_ops.reduce_all(done))

        emitted: list = []

        def body(time: Tensor, done: Tensor, x: Any, state: Any, lstate: Any) -> tuple:
            output, cell_state = cell(x, state)
            assert_same_structure(state, cell_state)
            assert_same_structure(cell.output_size, output)
            next_time = time + 1
            nxt_finished, nxt_input, nxt_state, emit, nxt_loop = loop_fn(
                next_time, output, cell_state, lstate if has_loop_state else None)
            assert_same_structure(state, nxt_state)
            if not has_loop_state and nxt_loop is not None:
                raise ValueError("loop_fn returned a loop_state after an initial None loop_state")
            emit = output if emit is None else emit
            assert_same_structure(emit_structure, emit)
            emits = [_select_rows(done, zeros(spec), convert_to_tensor(e))
                     for spec, e in zip(emit_specs, _flatten(emit))]
            states = [_select_rows(done, convert_to_tensor(old), convert_to_tensor(new))
                      for old, new in zip(_flatten(state), _flatten(nxt_state))]
            new_state = _pack(nxt_state, states) if _is_sequence(nxt_state) else states[0]
            emitted.extend(emits)  # stacked over the iterations by the loop itself
            done = math_ops.logical_or(done, convert_to_tensor(nxt_finished))
            return next_time, done, nxt_input, new_state, nxt_loop if has_loop_state else lstate

        _, _, _, final_state, final_loop = recording_while_loop(
            cond, body, (time, finished, next_input, initial_state, carried_loop_state), emitted,
            parallel_iterations=parallel_iterations or 32, swap_memory=swap_memory)
        tas = [TensorArray(dtype, size=array_ops.shape(e)[0], dynamic_size=True).unstack(e)
               for (dtype, _), e in zip(emit_specs, emitted)]
        emit_ta = _pack(emit_structure, tas) if _is_sequence(emit_structure) else tas[0]
        return emit_ta, final_state, final_loop if has_loop_state else None
