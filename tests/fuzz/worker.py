"""A long-lived subprocess that builds and runs fuzz programs, so a segfault is a finding.

The parent sends one request per (program, backend configuration) and gets one reply; when
the child dies of a signal (a crash in generated code, LLVM or NumPy) or overruns the time
limit, the request's reply says so and the next request starts a fresh child. A child that
cannot import flowjit or exits on its own raises WorkerError instead: that is no finding.
Frames are an 8-byte length and a pickle; the child keeps its real stdout for frames and
points fd 1 at stderr, so stray prints from flowjit or LLVM cannot corrupt the channel.

Request: {"program", "backend", "pipeline": "default" | "none", "fetch": "outputs" | "all",
"env": {...}}. Reply: {"ok": True, "values": [ndarray], "fallback": {...}} or {"ok": False,
"phase": "build" | "run", "error": class name, "message", "kind"} or, from the parent,
{"ok": False, "phase": "crash" | "timeout", ...}. {"selftest": "crash" | seconds} tests
the parent's side.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

RESTART_EVERY = 400  # requests; bounds the memory of compiled modules a child accumulates


def _write_frame(out: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


# --- the child -------------------------------------------------------------------------

def _execute(request: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    import flowjit as tf
    import flowjit.runtime.devices.cpu  # noqa: F401  (registers the cpu backend)

    from .program import build

    if "selftest" in request:  # the parent's crash and hang handling is tested with these
        if request["selftest"] == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(request["selftest"])
        return {"ok": True, "values": [], "fallback": {}}
    for key, value in request.get("env", {}).items():
        os.environ[key] = value
    program = request["program"]
    g = tf.Graph()
    try:
        with g.as_default():
            tensors, feeds = build(tf, program)
    except Exception as e:  # an invalid program (or a frontend bug): same for every backend
        return {"ok": False, "phase": "build", "error": type(e).__name__, "message": str(e)[:2000]}
    wanted = range(len(tensors)) if request["fetch"] == "all" else program["outputs"]
    fetches = [tensors[k] for k in wanted]
    pipeline = [] if request.get("pipeline") == "none" else None
    try:
        with np.errstate(all="ignore"), tf.Session(graph=g, backend=request["backend"], pipeline=pipeline) as s:
            values = s.run(fetches, feeds)
            fallback = {}
            if request["backend"] == "cpu" and s._cache:
                fallback = dict(getattr(list(s._cache.values())[-1].executable, "fallback_ops", {}) or {})
    except Exception as e:
        message = str(e)
        kind = getattr(e, "kind", None) or ("bounds" if "FLOWJIT_CHECK_BOUNDS" in message else None)
        return {"ok": False, "phase": "run", "error": type(e).__name__, "message": message[:2000], "kind": kind}
    finally:
        for key in request.get("env", {}):
            os.environ.pop(key, None)
    return {"ok": True, "values": [np.asarray(v) for v in values], "fallback": fallback}


def child_main() -> None:
    """The worker loop: read a request, execute, reply; EOF on stdin ends it."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    try:
        import flowjit.runtime.devices.cpu  # noqa: F401
    except BaseException:  # flowjit itself is broken (mid-edit, say): not a finding
        _write_frame(channel, {"fatal": traceback.format_exc()})
        return
    while True:
        header = _read_exact(requests, 8)
        if header is None:
            return
        request = pickle.loads(_read_exact(requests, struct.unpack("<Q", header)[0]) or b"")
        _write_frame(channel, _execute(request))


# --- the parent ------------------------------------------------------------------------

class WorkerError(RuntimeError):
    """The worker could not do its job (flowjit does not import, a bug in the worker): no finding."""


class Worker:
    """The parent's handle: `run(request)` never raises for a child that crashes or hangs."""

    def __init__(self, env: dict[str, str] | None = None, timeout: float = 120.0) -> None:
        self.env = {"FLOWJIT_CACHE": "0", **(env or {})}
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Any = None
        self.served = 0
        self.restarts = 0

    def _start(self) -> None:
        package = __package__ or "fuzz"
        root = Path(__file__).resolve().parents[len(package.split("."))]
        code = f"import sys; sys.path.insert(0, {str(root)!r}); from {package}.worker import child_main; child_main()"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env={**os.environ, **self.env})
        self.served = 0

    def _stderr_tail(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0, os.SEEK_END)
        size = self.log.tell()
        self.log.seek(max(0, size - 3000))
        return self.log.read().decode(errors="replace")

    def _read_reply(self, deadline: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = b""
        need = 8
        length = None
        while len(buf) < need:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, max(need - len(buf), 1 << 16))
            if not chunk:
                return {"ok": False, "phase": "crash"}
            buf += chunk
            if length is None and len(buf) >= 8:
                length = struct.unpack("<Q", buf[:8])[0]
                need = 8 + length
        return pickle.loads(buf[8:need])

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None or self.served >= RESTART_EVERY:
            self.close()
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            _write_frame(self.proc.stdin, request)
        except BrokenPipeError:
            reply: dict[str, Any] | None = {"ok": False, "phase": "crash"}
        else:
            reply = self._read_reply(time.monotonic() + self.timeout)
        self.served += 1
        if reply is not None and "fatal" in reply:
            self.close()
            raise WorkerError("the fuzz worker cannot import flowjit:\n" + reply["fatal"])
        if reply is None or reply.get("phase") == "crash":
            reply = reply or {"ok": False, "phase": "timeout"}
            if reply["phase"] == "timeout":
                self.proc.kill()
            code = self.proc.wait()
            if code >= 0 and reply["phase"] == "crash":  # an exit, not a signal: the worker's own bug
                tail = self._stderr_tail()
                self.close()
                raise WorkerError(f"the fuzz worker exited with code {code}:\n{tail}")
            reply.update(error=f"worker {reply['phase']} (exit code {code})", message=self._stderr_tail())
            self.restarts += 1
            self.close()
        return reply

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    self.proc.stdin.close()  # type: ignore[union-attr]
                    self.proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self.log is not None:
            self.log.close()
            self.log = None
