"""The host CPU target: its description (host.py), the blocked matmul library (gemm.py) and
the native thread pool (parallel.py), all of which assume the machine the process runs on."""

from .host import host_target

__all__ = ["host_target"]
