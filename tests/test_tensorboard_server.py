"""The test helper that runs the real TensorBoard server: it serves what an event file holds and
leaves no process behind. The events here come from TensorBoard's own writer, so this checks the
helper alone; tests/test_tensorboard_e2e.py points it at flowjit's files."""

from __future__ import annotations

import os
import pathlib
import time

import pytest

from tensorboard_server import TensorBoardServerError, _live_members, get_json, poll_json, tensorboard_server

pytestmark = pytest.mark.slow


def _write_reference_events(logdir: pathlib.Path) -> None:
    """A graph with a scope and three `loss` scalars, written by tensorboard's EventFileWriter."""
    from flowjit.frontend.summary.proto import tb_import, tb_proto

    writer_mod = tb_import("tensorboard.summary.writer.event_file_writer")
    event_pb2, summary_pb2 = tb_proto("event_pb2"), tb_proto("summary_pb2")
    graph_pb2, node_def_pb2 = tb_proto("graph_pb2"), tb_proto("node_def_pb2")
    writer = writer_mod.EventFileWriter(str(logdir))
    graph = graph_pb2.GraphDef(node=[node_def_pb2.NodeDef(name="scope/x", op="Const"),
                                     node_def_pb2.NodeDef(name="scope/neg", op="Neg", input=["scope/x"])])
    writer.add_event(event_pb2.Event(wall_time=time.time(), graph_def=graph.SerializeToString()))
    for step in range(3):
        value = summary_pb2.Summary.Value(tag="loss", simple_value=1.0 / (step + 1))
        writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=[value])))
    writer.close()


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_server_serves_scalars_and_graph_then_stops(tmp_path, load_fast):
    pytest.importorskip("tensorboard")
    if load_fast == "true":
        pytest.importorskip("tensorboard_data_server")
    _write_reference_events(tmp_path)
    with tensorboard_server(tmp_path, load_fast=load_fast) as url:
        assert url.startswith("http://127.0.0.1:")
        pgid = int(_server_pgid(url))
        tags = poll_json(url, "/data/plugin/scalars/tags", lambda t: "loss" in t.get(".", {}))
        assert list(tags) == ["."]
        points = get_json(url, "/data/plugin/scalars/scalars?run=.&tag=loss")
        assert [(step, round(value, 6)) for _, step, value in points] == [(0, 1.0), (1, 0.5), (2, 0.333333)]
        assert get_json(url, "/data/plugin/graphs/info")["."]["run_graph"] is True
    assert _live_members(pgid) == []


def _server_pgid(url: str) -> int:
    """The process group of the process listening on url's port (found through /proc/net/tcp)."""
    port = int(url.rsplit(":", 1)[1])
    inodes = set()
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":  # LISTEN
            inodes.add(fields[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return os.getpgid(int(pid))
    raise AssertionError(f"no process listens on port {port}")


def test_bad_arguments_are_clear_errors(tmp_path):
    pytest.importorskip("tensorboard")
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        with tensorboard_server(tmp_path / "missing"):
            pass
    with pytest.raises(ValueError, match="load_fast must be"):
        with tensorboard_server(tmp_path, load_fast="yes"):
            pass


def test_server_that_exits_early_reports_its_stderr(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    import tensorboard_server as helper

    monkeypatch.setattr(helper, "_LAUNCHER", "import sys; sys.stderr.write('boom: bad flag\\n'); sys.exit(3)")
    with pytest.raises(TensorBoardServerError, match=r"status 3 before serving:\nboom: bad flag"):
        with tensorboard_server(tmp_path):
            pass
