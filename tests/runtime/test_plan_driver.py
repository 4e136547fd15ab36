"""The plan driver (runtime/plan.py): prune -> passes -> placement -> backend, and the stages it
adds to the IR dump before the passes' (the user's graph as given, the pruned plan graph)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import flowjit as tf
from flowjit.ir.text import parse_graph
from flowjit.passes import pipeline_context
from flowjit.runtime import SessionState, get_backend
from flowjit.runtime.plan import Plan, build_plan


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def build():
    x = tf.placeholder(tf.float32, [3], name="x")
    tf.exp(x, name="not_needed")  # nothing fetched needs it: pruning drops it
    h = tf.square(x, name="h")
    y = tf.reduce_sum(h * 2.0, name="y")
    return x, h, y


def plan_files(root):
    [plan] = sorted(os.listdir(root))
    folder = os.path.join(root, plan)
    return folder, sorted(os.listdir(folder))


def read(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return f.read()


def test_build_plan_prunes_optimizes_places_and_compiles():
    x, _, y = build()
    graph = tf.get_default_graph()
    seen = []
    plan = build_plan(graph, [y.value], [], [x.value], backend=get_backend("reference"), on_report=seen.append)
    executable, plan_graph, report = plan  # a tuple too
    assert isinstance(plan, Plan) and seen == [report] and report.graph is plan_graph
    assert plan_graph.get_node("not_needed") is None and [p.name for p in plan_graph.params] == ["x"]
    assert all(n.device for n in plan_graph)  # placed
    [result] = executable.run([np.array([1, 2, 3], np.float32)], SessionState())
    assert result == np.float32(28.0)


def test_build_plan_takes_the_pipeline_and_devices():
    x, _, y = build()
    plan = build_plan(tf.get_default_graph(), [y.value], [], [x.value], backend=get_backend("reference"),
                      pipeline=["cse"], devices=["/job:localhost/replica:0/task:0/device:CPU:0"])
    assert plan.report.passes_run() == ["cse"]
    assert {n.device for n in plan.graph} == {"/job:localhost/replica:0/task:0/device:CPU:0"}


def test_a_plan_that_fails_placement_still_leaves_its_report():
    x = tf.placeholder(tf.float32, [3], name="x")
    with tf.device("/device:GPU:0"):
        y = tf.negative(x, name="y")
    with tf.Session(backend="reference") as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device for operation y"):
            sess.run(y, {x: np.ones(3, np.float32)})
        assert sess.pipeline_report is not None and sess.pipeline_report.graph.get_node("y") is not None


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_dump_starts_with_the_input_graph_then_the_pruned_plan(tmp_path, monkeypatch, backend):
    monkeypatch.setenv("FLOWJIT_DUMP", str(tmp_path))
    x, _, y = build()
    with tf.Session(backend=backend) as sess:
        assert sess.run(y, {x: np.array([1, 2, 3], np.float32)}) == np.float32(28.0)
        assert sess.pipeline_report.dump_dir == os.path.join(str(tmp_path), "plan_0001")
    folder, names = plan_files(tmp_path)
    numbered = [n for n in names if n[:3].isdigit()]
    assert numbered[:4] == ["000_input.dot", "000_input.txt", "001_pruned.dot", "001_pruned.txt"]
    numbers = [int(n[:3]) for n in numbered]
    assert numbers == sorted(numbers) and numbers[4] == 2  # the passes' stages follow, in order
    given = read(folder, "000_input.txt")
    assert given.startswith("# flowjit dump: input\n")
    assert {n.name for n in parse_graph(given)} >= {"x", "not_needed", "h", "y"}  # the whole graph
    assert "not_needed" in read(folder, "000_input.dot")
    pruned_text = read(folder, "001_pruned.txt")
    assert pruned_text.startswith("# flowjit dump: pruned\n")
    pruned = parse_graph(pruned_text)
    assert pruned.get_node("not_needed") is None and pruned.get_node("y") is not None
    assert [p.name for p in pruned.params] == ["x"] and [v.name for v in pruned.results] == ["y:0"]
    assert "not_needed" not in read(folder, "001_pruned.dot")
    assert names[-1] == "pipeline.txt" and "pruned" not in read(folder, "pipeline.txt")  # not a pass


def test_dump_of_a_fed_intermediate_shows_its_placeholder_in_the_pruned_stage(tmp_path):
    x, h, y = build()
    with pipeline_context(dump_dir=str(tmp_path)):
        with tf.Session(backend="reference") as sess:
            assert sess.run(y, {h: np.ones(3, np.float32)}) == np.float32(6.0)
    folder, _ = plan_files(tmp_path)
    given = parse_graph(read(folder, "000_input.txt"))
    assert given.node("h").op == "Square" and given.get_node("x") is not None
    pruned = parse_graph(read(folder, "001_pruned.txt"))
    [fed] = pruned.params  # the fed value's Placeholder stands in for `h` and what it reads
    assert fed.op == "Placeholder" and fed.name.startswith("h/fed")
    assert pruned.get_node("h") is None and pruned.get_node("x") is None
    assert "#d62728" in read(folder, "001_pruned.dot")  # what pruning changed is highlighted


def test_the_same_graph_built_twice_is_one_compile(monkeypatch):
    """The cache key holds the scheduled program's listing, which must not carry process-wide
    LIR ids: two graphs of the same text are one plan (before, each new graph missed the
    in-memory cache and every dropped graph left an LLVM module behind)."""
    pytest.importorskip("llvmlite")
    from flowjit.compiler.llvm import jit

    compiled = []
    monkeypatch.setattr(jit, "compile_ir", lambda *a, _real=jit.compile_ir, **k: compiled.append(a[1]) or _real(*a, **k))
    monkeypatch.setenv("FLOWJIT_CACHE", "0")
    for _ in range(2):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [5], name="x")
            y = tf.reduce_sum(tf.exp(x) * 2.0, name="y")
            with tf.Session(backend="cpu") as s:
                assert np.isclose(s.run(y, {x: np.zeros(5, np.float32)}), 10.0)
    assert len(compiled) <= 1, compiled  # at most one: an earlier test may have compiled it
