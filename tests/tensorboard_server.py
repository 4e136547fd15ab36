"""Start the real `tensorboard` server for a test, talk to its JSON API, and always stop it.

The server is `python -m tensorboard.main --logdir D --host 127.0.0.1 --port 0` in its own
process group (so the Rust data server it may spawn goes with it). TensorBoard imports
TensorFlow whenever it is importable (about 10 s here, for nothing: it only reads files), and no
flag or environment variable turns that off, so the launcher first registers the
`tensorboard.compat.notf` marker module, which makes TensorBoard use its TF-free stub, then runs
`tensorboard.main` exactly as `-m` would. With `--port 0` the server picks a free port itself
and prints its URL, which is read back from its stderr: no race for a port.

    with tensorboard_server(logdir) as url:
        tags = poll_json(url, "/data/plugin/scalars/tags", lambda t: "loss" in t.get(".", {}))
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Iterator

# Runs tensorboard.main as `python -m` does, without TensorBoard importing TensorFlow.
_LAUNCHER = (
    "import runpy, sys, types; "
    "sys.modules['tensorboard.compat.notf'] = types.ModuleType('tensorboard.compat.notf'); "
    "runpy.run_module('tensorboard.main', run_name='__main__', alter_sys=True)"
)
_URL_LINE = re.compile(r"TensorBoard \S+ at (http://[^/\s]+)/")


class TensorBoardServerError(RuntimeError):
    """The server did not come up (or exited) in time; the message holds its stderr."""


def get(base_url: str, path: str, timeout: float = 10.0) -> bytes:
    """The body of GET base_url + path (raises urllib's HTTPError on a non-2xx status)."""
    with urllib.request.urlopen(base_url + path, timeout=timeout) as response:
        return response.read()


def get_json(base_url: str, path: str, timeout: float = 10.0) -> Any:
    """GET base_url + path, parsed as JSON."""
    return json.loads(get(base_url, path, timeout).decode("utf-8"))


def poll_json(base_url: str, path: str, ready: Callable[[Any], bool], timeout: float = 30.0,
              interval: float = 0.25) -> Any:
    """GET path until `ready(json)` holds, then return that JSON.

    The server loads event files in the background after it starts answering, so the first
    answers may not have every run or tag yet. Raises TimeoutError with the last answer.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = get_json(base_url, path)
            if ready(last):
                return last
        except (urllib.error.URLError, ConnectionError, ValueError) as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{path} not ready after {timeout:.0f} s; last answer: {last!r}")
        time.sleep(interval)


def quote(value: str) -> str:
    """A query-string value (run and tag names hold '/' and '.')."""
    return urllib.parse.quote(value, safe="")


def _read(path: pathlib.Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _wait_for_url(proc: subprocess.Popen, stderr_path: pathlib.Path, timeout: float) -> str:
    """The base URL the server printed, once its HTTP API answers."""
    deadline = time.monotonic() + timeout
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise TensorBoardServerError(
                f"tensorboard exited with status {proc.returncode} before serving:\n{_read(stderr_path)}")
        if url is None:
            match = _URL_LINE.search(_read(stderr_path))
            url = match.group(1) if match else None
        if url is not None:
            try:
                get(url, "/data/plugins_listing", timeout=2.0)
                return url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.1)
    raise TensorBoardServerError(f"tensorboard did not answer within {timeout:.0f} s:\n{_read(stderr_path)}")


def _live_members(pgid: int) -> list[int]:
    """Pids in process group `pgid` that are not zombies (an orphaned zombie may wait long for
    a reaper in a container, and it can no longer do anything)."""
    if not os.path.isdir("/proc"):
        try:
            os.killpg(pgid, 0)
            return [pgid]
        except ProcessLookupError:
            return []
    live = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(entry))
    return live


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left after `grace` s."""
    pgid = proc.pid  # start_new_session made the server its group's leader
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _live_members(pgid) and time.monotonic() < deadline:
        proc.poll()  # reap the leader as soon as it exits
        time.sleep(0.05)
    if _live_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=grace)


@contextlib.contextmanager
def tensorboard_server(logdir: str | os.PathLike, *, timeout: float = 60.0, load_fast: str = "false",
                       reload_interval: float = 1.0) -> Iterator[str]:
    """Run the real TensorBoard on `logdir` at 127.0.0.1 and yield its base URL ("http://host:port").

    `load_fast="false"` uses TensorBoard's Python event loader (the one EventAccumulator is);
    "true" uses the Rust data server, an independent reader of the same files. The server is
    stopped on exit however the block ends.
    """
    if load_fast not in ("true", "false", "auto"):
        raise ValueError(f"load_fast must be 'true', 'false' or 'auto', got {load_fast!r}")
    if not pathlib.Path(logdir).is_dir():
        raise FileNotFoundError(f"logdir {str(logdir)!r} is not a directory")
    with tempfile.TemporaryDirectory(prefix="tensorboard-test-") as scratch:
        stderr_path = pathlib.Path(scratch) / "stderr.txt"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with open(stderr_path, "wb") as stderr, open(os.devnull, "wb") as devnull:
            proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, "--logdir", str(logdir), "--host", "127.0.0.1",
                 "--port", "0", f"--load_fast={load_fast}", f"--reload_interval={reload_interval:g}"],
                stdin=subprocess.DEVNULL, stdout=devnull, stderr=stderr, env=env, cwd=scratch,
                start_new_session=True)
        try:
            yield _wait_for_url(proc, stderr_path, timeout)
        finally:
            _stop(proc)
