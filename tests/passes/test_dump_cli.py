"""IR dumps (FLOWJIT_DUMP and pipeline_context) and the `flowjit dump` command line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import flowjit as tf
from flowjit.__main__ import main
from flowjit.ir.text import parse_graph, print_graph
from flowjit.passes import dump, pipeline_context
from flowjit.runtime.executor import register_backend
from flowjit.runtime.devices.reference import ReferenceBackend

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def build():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.constant(np.ones((3, 2), np.float32), name="w")
    h = tf.nn.relu(tf.matmul(x, w) + tf.constant(2.0) * tf.constant(0.5), name="h")
    loss = tf.reduce_sum(tf.square(h), name="loss")
    return x, loss


def files_of(root):
    [plan] = sorted(os.listdir(root))
    folder = os.path.join(root, plan)
    return folder, sorted(os.listdir(folder))


def test_flowjit_dump_env_writes_every_stage(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWJIT_DUMP", str(tmp_path))
    x, loss = build()
    with tf.Session(backend="reference") as sess:
        sess.run(loss, {x: np.ones((2, 3), np.float32)})
        assert sess.pipeline_report.dump_dir == os.path.join(str(tmp_path), "plan_0001")
    folder, names = files_of(tmp_path)
    assert names[0] == "000_input.dot" and names[1] == "000_input.txt"  # the user's graph, then
    assert names[2] == "001_pruned.dot" and names[3] == "001_pruned.txt"  # the plan graph pruning made
    assert "002_simplification.constant_folding.1.txt" in names
    assert any(n.endswith("_fusion.txt") for n in names) and any(n.endswith("_fusion_groups.txt") for n in names)
    assert names[-1] == "pipeline.txt"
    numbers = [int(n[:3]) for n in names if n[:3].isdigit()]
    assert numbers == sorted(numbers)  # numbered in pipeline order

    def read(name):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            return f.read()

    first = read("002_simplification.constant_folding.1.txt")
    assert first.startswith("# flowjit dump: simplification.constant_folding.1\n"
                            "# pipeline: simplification*(constant_folding, simplify, cse, dce) > split_summaries > fusion > cleanup\n")
    folded = parse_graph(first)  # a dump parses back
    assert [n.name for n in folded if n.provenance.created_by == "constant_folding"] == ["mul"]
    assert "#d62728" in read("002_simplification.constant_folding.1.dot")  # what changed is highlighted
    assert "#d62728" not in read("000_input.dot")
    groups = read([n for n in names if n.endswith("_fusion_groups.txt")][0])
    assert "fused_matmul:" in groups and "MatMul" in groups and "not fused:" in groups
    pipeline = read("pipeline.txt")
    assert "simplification/constant_folding" in pipeline and "fusion" in pipeline and "ms" in pipeline
    fused = parse_graph(read([n for n in names if n.endswith("_fusion.txt")][0]))
    assert fused.node("fused_matmul").provenance.origins[0] == "MatMul"  # where the kernel came from


def test_pipeline_context_is_the_api_equivalent(tmp_path):
    x, loss = build()
    with pipeline_context(dump_dir=str(tmp_path)):
        with tf.Session(backend="reference") as sess:
            sess.run(loss, {x: np.ones((2, 3), np.float32)})
    folder, names = files_of(tmp_path)
    assert "pipeline.txt" in names


class _RecordingBackend(ReferenceBackend):
    """A backend that adds its own stages to the dump, as the LLVM backend does."""

    name = "dump_recording"

    def compile(self, graph):
        d = dump.current()
        if d is not None:
            d.write("llvm_ir_unoptimized", "define void @kernel() { ret void }\n", ext="ll")
            d.write("assembly", "kernel:\n  ret\n", ext="s")
        return super().compile(graph)


register_backend("dump_recording", _RecordingBackend)


def test_backends_add_their_stages_after_the_passes(tmp_path):
    x, loss = build()
    with pipeline_context(dump_dir=str(tmp_path)):
        with tf.Session(backend="dump_recording") as sess:
            sess.run(loss, {x: np.ones((2, 3), np.float32)})
    folder, names = files_of(tmp_path)
    numbered = [n for n in names if n[:3].isdigit()]
    assert numbered[-2:] == [f"{int(numbered[-3][:3]) + 1:03d}_llvm_ir_unoptimized.ll",
                             f"{int(numbered[-3][:3]) + 2:03d}_assembly.s"]
    with open(os.path.join(folder, numbered[-2]), encoding="utf-8") as f:
        assert f.read().startswith("; flowjit dump: llvm_ir_unoptimized\n")
    assert dump.current() is None


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import flowjit as tf

    x = tf.placeholder(tf.float32, [4], name="x")
    y = tf.reduce_mean(tf.square(x * 2.0), name="y")
    with tf.Session(backend="reference") as sess:
        print("result", sess.run(y, {x: np.arange(4, dtype=np.float32)}), sys.argv[1:])
""")


def test_cli_dump_of_a_script(tmp_path, capsys):
    script = tmp_path / "model.py"
    script.write_text(SCRIPT)
    assert main(["dump", str(script), "--flag"]) == 0
    out = capsys.readouterr().out
    assert "result 14.0 ['--flag']" in out
    assert "===== plan_0001/000_input.txt =====" in out
    assert "===== plan_0001/pipeline.txt =====" in out
    assert "fused_reduction:" in out and ".dot =====" not in out


def test_cli_dump_options(tmp_path, capsys):
    script = tmp_path / "model.py"
    script.write_text(SCRIPT)
    out_dir = tmp_path / "dumps"
    assert main(["dump", "--out", str(out_dir), "--pipeline", "cse,dce", "--stage", "pipeline", str(script)]) == 0
    out = capsys.readouterr().out
    assert "pipeline: cse > dce" in out and "000_input" not in out
    assert os.listdir(out_dir) == ["plan_0001"]


def test_cli_dump_of_a_saved_graph(tmp_path, capsys):
    x = tf.placeholder(tf.float32, [3], name="x")
    y = tf.negative(tf.exp(x), name="y")
    graph = tf.get_default_graph().as_ir_graph()
    graph.params = [graph.node("x")]
    graph.results = [graph.value("y:0")]
    saved = tmp_path / "model.fjir"
    saved.write_text(print_graph(graph))
    assert main(["dump", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "===== plan_0001/000_input.txt =====" in out
    assert "%fused_elementwise = Fused(%x)" in out


def test_cli_passes_and_errors(capsys, tmp_path):
    assert main(["passes"]) == 0
    out = capsys.readouterr().out
    assert "default pipeline: simplification*(constant_folding, simplify, cse, dce) > split_summaries > fusion > cleanup" in out
    assert main(["dump", str(tmp_path / "missing.py")]) == 2


def test_python_dash_m_flowjit(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "flowjit", "dump", "--stage", "fusion_groups", str(script)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "fusion_groups.txt =====" in proc.stdout and "fused_reduction:" in proc.stdout
