"""The pass manager: pipelines edited by name, sessions and contexts, errors, reports."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import flowjit as tf
from flowjit import passes
from flowjit.ir.graph import Graph
from flowjit.passes import (FixedPoint, Instrument, Pass, PassError, Pipeline, default_pipeline, pipeline_context,
                            run_passes)
from _pass_testing import ir


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def small_graph() -> Graph:
    return ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Const() {value=array<float32[]>[2.0], dtype=float32}
        %b = Const() {value=array<float32[]>[3.0], dtype=float32}
        %c = Mul(%a, %b)
        %y = Mul(%x, %c)
        %z = Neg(%y)
        return %z
    """)


# --- editing pipelines --------------------------------------------------------------------

def test_default_pipeline_and_editing_by_name():
    p = default_pipeline()
    assert p.describe() == "simplification*(constant_folding, simplify, cse, dce) > split_summaries > fusion > cleanup"

    def mine(graph):
        return graph

    p.insert_before("fusion", mine)
    p.insert_after("cse", Pass("after_cse", mine))
    p.replace("simplify", Pass("my_simplify", mine))
    p.remove("dce")
    assert p.names() == ["simplification/constant_folding", "simplification/my_simplify", "simplification/cse",
                         "simplification/after_cse", "split_summaries", "mine", "fusion", "cleanup"]
    assert "after_cse" in p and "dce" not in p
    assert "mine" not in default_pipeline()  # every call gives a fresh pipeline


def test_unknown_names_and_duplicates_are_errors():
    p = default_pipeline()
    with pytest.raises(KeyError, match="no pass named 'cse2'.*simplification/cse"):
        p.insert_after("cse2", lambda g: g, name="x")
    with pytest.raises(ValueError, match="already has a pass named 'fusion'"):
        p.append("fusion")
    with pytest.raises(ValueError, match="lambda needs a name"):
        p.append(lambda g: g)
    with pytest.raises(KeyError, match="known passes"):
        Pipeline(["no_such_pass"])


def test_a_pass_may_return_graph_pair_or_none():
    def in_place(graph):
        graph.node("z").op  # noqa: B018 - reads only
        return None

    def pair(graph):
        return graph, False

    def new_graph(graph):
        return graph.copy()

    g, report = run_passes(small_graph(), [in_place, pair, new_graph])
    assert report.passes_run() == ["in_place", "pair", "new_graph"]
    assert [r.changed for r in report.records] == [False, False, True]

    with pytest.raises(PassError, match="pass 'bad' failed: a pass must return a Graph"):
        run_passes(small_graph(), [Pass("bad", lambda graph: 42)])


# --- running -----------------------------------------------------------------------------

def test_fixed_point_group_iterates_until_nothing_changes():
    calls = []

    def countdown(graph):
        calls.append(len(calls))
        return graph, len(calls) < 3

    g, report = run_passes(small_graph(), [FixedPoint("loop", [Pass("countdown", countdown)], max_iterations=10)])
    assert len(calls) == 3
    assert [r.iteration for r in report.records] == [1, 2, 3]

    calls.clear()
    g, report = run_passes(small_graph(), [FixedPoint("loop", [Pass("forever", lambda graph: (graph, True))],
                                                      max_iterations=4)])
    assert report.warnings == ["loop did not reach a fixed point in 4 iterations"]


def test_report_has_timings_and_the_passes_run():
    g, report = run_passes(small_graph(), default_pipeline())
    assert report.passes_run()[:4] == ["simplification/constant_folding", "simplification/simplify",
                                       "simplification/cse", "simplification/dce"]
    assert report.passes_run()[-2:] == ["fusion", "cleanup"]
    assert all(t >= 0 for t in report.timings().values())
    assert "fusion" in report.format() and report.graph is g
    assert report.verified


def test_a_failing_user_pass_is_reported_by_name_with_the_passes_before():
    def explode(graph):
        raise RuntimeError("boom")

    p = default_pipeline().insert_before("fusion", explode)
    with pytest.raises(PassError) as info:
        run_passes(small_graph(), p)
    err = info.value
    assert err.pass_name == "explode"
    assert "pass 'explode' failed: RuntimeError: boom" in str(err)
    assert err.passes_before[:2] == ["simplification/constant_folding", "simplification/simplify"]
    assert "passes run before it: simplification/constant_folding" in str(err)
    assert isinstance(err.__cause__, RuntimeError)


def test_the_verifier_names_the_pass_that_broke_the_graph():
    def dangling(graph):
        graph.node("z").inputs = [graph.node("y").output(0), graph.node("y").output(0)]  # Neg takes one input
        return graph

    with pytest.raises(PassError, match="pass 'dangling' failed: the IR verifier rejected its output"):
        run_passes(small_graph(), ["constant_folding", dangling])
    # the verifier can be turned off (production opt-out)
    run_passes(small_graph(), [dangling], verify=False)


def test_verification_is_on_by_default_and_opt_out_by_env(monkeypatch):
    monkeypatch.delenv("FLOWJIT_VERIFY", raising=False)
    assert passes.PassContext().should_verify()
    monkeypatch.setenv("FLOWJIT_VERIFY", "0")
    assert not passes.PassContext().should_verify()


def test_nodes_a_user_pass_adds_get_its_name_as_provenance():
    def add_abs(graph):
        z = graph.node("z")
        a = graph.add_node("Abs", [z.output(0)], name="abs")
        graph.results = [a.output(0)]
        return graph

    g, _ = run_passes(small_graph(), [add_abs])
    assert g.node("abs").provenance.created_by == "add_abs"
    assert g.node("z").provenance.created_by == "frontend"


def test_instruments_see_every_pass():
    seen = []

    class Recorder(Instrument):
        def before_pass(self, name, graph):
            seen.append(("before", name))

        def after_pass(self, record, graph):
            seen.append(("after", record.name, record.changed))

    run_passes(small_graph(), ["constant_folding", "dce"], instruments=[Recorder()])
    assert seen == [("before", "constant_folding"), ("after", "constant_folding", True),
                    ("before", "dce"), ("after", "dce", True)]


def test_the_pipeline_run_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="flowjit.passes"):
        run_passes(small_graph(), default_pipeline())
    assert any("simplification*(constant_folding" in r.getMessage() for r in caplog.records)


# --- sessions -------------------------------------------------------------------------------

def build():
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.multiply(x, 2.0, name="y")
    z = tf.exp(y, name="z")
    return x, z


def test_session_pipeline_option_runs_a_user_pass():
    ran = []

    def spy(graph):
        ran.append(sorted(n.op for n in graph))
        return graph

    x, z = build()
    feed = {x: np.array([0.0, 1.0, -1.0], np.float32)}
    with tf.Session(backend="reference", pipeline=default_pipeline().insert_before("fusion", spy)) as sess:
        out = sess.run(z, feed)
        assert ran and "spy" in sess.pipeline_report.passes_run()
        sess.run(z, feed)
        assert len(ran) == 1  # the repeat run is a cache hit: no pipeline
    np.testing.assert_allclose(out, np.exp(2 * feed[x]))


def test_session_pipeline_as_a_list_of_names_or_empty():
    x, z = build()
    with tf.Session(backend="reference", pipeline=["cse"]) as sess:
        sess.run(z, {x: np.ones(3, np.float32)})
        assert sess.pipeline_report.passes_run() == ["cse"]
    with tf.Session(backend="reference", pipeline=[]) as sess:
        sess.run(z, {x: np.ones(3, np.float32)})
        assert sess.pipeline_report.passes_run() == []


def test_pipeline_context_applies_to_plans_compiled_inside_even_if_cached_before():
    ran = []

    def spy(graph):
        ran.append(1)
        return graph

    x, z = build()
    feed = {x: np.ones(3, np.float32)}
    with tf.Session(backend="reference") as sess:
        sess.run(z, feed)  # compiled with the default pipeline
        with pipeline_context(default_pipeline().insert_after("simplification", spy)):
            sess.run(z, feed)  # not silently reusing the plan compiled without spy
            assert ran == [1]
            assert "spy" in sess.pipeline_report.passes_run()
        sess.run(z, feed)
        assert "spy" not in sess.pipeline_report.passes_run()


def test_disabled_passes(monkeypatch):
    x, z = build()
    with pipeline_context(disabled=["fusion"]):
        with tf.Session(backend="reference") as sess:
            sess.run(z, {x: np.ones(3, np.float32)})
            assert "fusion" not in sess.pipeline_report.passes_run()
    monkeypatch.setenv("FLOWJIT_DISABLE_PASSES", "fusion,cse")
    with tf.Session(backend="reference") as sess:
        sess.run(z, {x: np.ones(3, np.float32)})
        assert not {"fusion", "simplification/cse"} & set(sess.pipeline_report.passes_run())


def test_a_failing_pass_in_a_session_names_the_pass():
    def broken_user_pass(graph):
        raise ValueError("not today")

    x, z = build()
    with tf.Session(backend="reference", pipeline=[broken_user_pass]) as sess:
        with pytest.raises(PassError, match="pass 'broken_user_pass' failed: ValueError: not today"):
            sess.run(z, {x: np.ones(3, np.float32)})


def test_the_custom_pass_example(tmp_path):
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples", "custom_pass.py")
    spec = importlib.util.spec_from_file_location("custom_pass_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    for extra in ([], ["--pattern"]):
        dump_dir = tmp_path / ("pattern" if extra else "function")
        result = example.main(["--backend", "reference", "--quiet", "--dump", str(dump_dir), *extra])
        assert "pow2_to_mul" in result["passes"]
        assert "Pow" not in result["ops"] and "Mul" in result["ops"]
        stage = [f for f in os.listdir(result["dump_dir"]) if f.endswith("_pow2_to_mul.txt")]
        assert stage, os.listdir(result["dump_dir"])  # the pass's effect is in the dump
        with open(os.path.join(result["dump_dir"], stage[0]), encoding="utf-8") as f:
            text = f.read()
        assert 'prov("pow2_to_mul", ["Pow"' in text  # where the new node came from


def test_editing_a_sessions_pipeline_takes_effect_at_the_next_run():
    ran = []

    def spy(graph):
        ran.append(1)
        return graph

    x, z = build()
    feed = {x: np.ones(3, np.float32)}
    pipeline = default_pipeline()
    with tf.Session(backend="reference", pipeline=pipeline) as sess:
        sess.run(z, feed)
        pipeline.insert_before("fusion", spy)
        sess.run(z, feed)
        assert ran == [1]
        with pytest.raises(ValueError):
            pipeline.append(spy)  # a second pass of the same name: refused, pipeline unchanged
        assert pipeline.names().count("spy") == 1
