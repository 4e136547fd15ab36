"""`tf.RunOptions` and `tf.RunMetadata`: TF's `config_pb2` protos, and the step stats of a trace.

With the optional extra 'tensorboard' installed, `tf.RunOptions(...)` and `tf.RunMetadata()`
are the real protobuf messages (so `FileWriter.add_run_metadata` serializes them and TF code
that sets `trace_level` or reads `step_stats.dev_stats` works). Without it they are plain
objects with the same fields, enough for code that passes them along without tracing; asking
for a trace then raises the ImportError naming the extra.
"""

from __future__ import annotations

from typing import Any

from ...runtime.trace import StepTrace
from ..summary.proto import have_tensorboard, tb_proto

# RunOptions.TraceLevel, as in config.proto
NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3

# the device name TF writes in step stats for the local CPU
STEP_STATS_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class _ProtoFactory(type):
    """`isinstance(x, tf.RunOptions)` holds for the proto message (and the plain fallback)."""

    def __instancecheck__(cls, obj: Any) -> bool:
        proto = cls._proto_class()
        return isinstance(obj, cls._plain) or (proto is not None and isinstance(obj, proto))


class _PlainRunOptions:
    def __init__(self, trace_level: int = NO_TRACE, timeout_in_ms: int = 0, inter_op_thread_pool: int = 0,
                 output_partition_graphs: bool = False, report_tensor_allocations_upon_oom: bool = False,
                 **kwargs: Any) -> None:
        self.trace_level = trace_level
        self.timeout_in_ms = timeout_in_ms
        self.inter_op_thread_pool = inter_op_thread_pool
        self.output_partition_graphs = output_partition_graphs
        self.report_tensor_allocations_upon_oom = report_tensor_allocations_upon_oom
        self.__dict__.update(kwargs)


class _PlainRunMetadata:
    def __init__(self) -> None:
        self.step_stats = None
        self.partition_graphs: list[Any] = []


class RunOptions(metaclass=_ProtoFactory):
    """`tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, ...)`: config_pb2.RunOptions."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE
    _plain = _PlainRunOptions

    @staticmethod
    def _proto_class() -> Any:
        return tb_proto("config_pb2").RunOptions if have_tensorboard() else None

    def __new__(cls, **kwargs: Any) -> Any:  # type: ignore[misc]
        proto = cls._proto_class()
        return _PlainRunOptions(**kwargs) if proto is None else proto(**kwargs)


class RunMetadata(metaclass=_ProtoFactory):
    """`tf.RunMetadata()`: config_pb2.RunMetadata; a traced `Session.run` fills `step_stats`."""

    _plain = _PlainRunMetadata

    @staticmethod
    def _proto_class() -> Any:
        return tb_proto("config_pb2").RunMetadata if have_tensorboard() else None

    def __new__(cls) -> Any:  # type: ignore[misc]
        proto = cls._proto_class()
        return _PlainRunMetadata() if proto is None else proto()


def wants_trace(options: Any) -> bool:
    """Whether `options` asks for step stats (any trace level above NO_TRACE)."""
    return options is not None and int(getattr(options, "trace_level", NO_TRACE) or 0) > NO_TRACE


def fill_step_stats(run_metadata: Any, trace: StepTrace, graph_def: Any = None) -> None:
    """Write `trace` into `run_metadata.step_stats` (one NodeExecStats per executed step, on
    the local CPU device) and, when given, `graph_def` into `partition_graphs`
    (`check_run_metadata` has accepted `run_metadata`)."""
    dev = run_metadata.step_stats.dev_stats.add(device=STEP_STATS_DEVICE)
    for r in trace.records:
        start_us = trace.epoch_micros(r.start)
        dur_ns = max(0, int(round((r.end - r.start) * 1e9)))
        stats = dev.node_stats.add(node_name=r.name, all_start_micros=start_us, op_start_rel_micros=0,
                                   op_end_rel_micros=dur_ns // 1000, all_end_rel_micros=dur_ns // 1000,
                                   all_start_nanos=start_us * 1000, op_start_rel_nanos=0,
                                   op_end_rel_nanos=dur_ns, all_end_rel_nanos=dur_ns,
                                   scheduled_micros=start_us, thread_id=r.thread_id)
        if r.op == "Kernel":  # a compiled kernel: the nodes it computes
            stats.timeline_label = f"{r.kernel} = Kernel({', '.join(r.members)})"
        elif r.members:  # a Fused node interpreted by the reference backend
            stats.timeline_label = f"{r.name} = {r.op}({', '.join(r.members)})"
        else:
            stats.timeline_label = f"{r.name} = {r.op}()"
    if graph_def is not None:
        run_metadata.partition_graphs.add().CopyFrom(graph_def)


def check_run_metadata(run_metadata: Any) -> None:
    """A traced run needs the proto (the optional extra); say so before running."""
    if isinstance(run_metadata, _PlainRunMetadata):
        raise ImportError("tracing a run (RunOptions.trace_level) requires the optional extra 'tensorboard': "
                          "pip install 'flowjit[tensorboard]'")
    if not hasattr(getattr(run_metadata, "step_stats", None), "dev_stats"):
        raise TypeError(f"run_metadata must be a tf.RunMetadata, got {type(run_metadata).__name__}")
