"""Host-side kernels: what a plan calls back into on the host, outside compiled code.

Today that is running one node's reference kernel and checking its outputs (`run_node`, used by
the reference interpreter and by the cpu backend's host steps: Print, Assert, nodes without a
lowering, host-driven control flow) and the `KernelContext` kernels get. The host behaviour of
future host ops lands here too: queues, readers, the event writer.
"""

from .kernels import KernelContext, check_output, read_lazy, run_node

__all__ = ["KernelContext", "check_output", "read_lazy", "run_node"]
