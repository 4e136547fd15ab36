"""A user-written pass in a session's pipeline: rewrite x ** 2 into x * x.

`Pow` calls a general power function; `x * x` is one multiply, and for float32 it gives the
same bits (the exact product rounded once). The pass is ten lines of the public IR API: walk
the nodes, match, insert, replace all uses, erase. It goes into the session's pipeline by
name, before fusion, and its effect shows in the pipeline report, the fused kernel and the
dump (`--dump DIR`, or `FLOWJIT_DUMP=DIR`); the numbers stay the same.

    python examples/custom_pass.py [--dump /tmp/flowjit-dump] [--pattern]

`--pattern` writes the same rewrite as two ordinary Python functions with
`flowjit.passes.pattern_pass` (torch.fx's `replace_pattern` idea).
"""

import argparse

import numpy as np

import flowjit as tf
from flowjit import passes
from flowjit.ir.text import print_graph


def pow2_to_mul(graph):
    """x ** 2 -> x * x, where the exponent is the scalar constant 2."""
    changed = False
    for node in graph.topological_order():
        if node.op != "Pow" or node.control_inputs:
            continue
        x, exponent = node.inputs
        if exponent.shape.rank != 0 or passes.splat_value(exponent) != 2:
            continue
        square = graph.add_node("Mul", [x, x], name=f"{node.name}/square", device=node.device, source=node.source,
                                provenance=passes.provenance_from("pow2_to_mul", [node]))
        graph.replace_all_uses_with(node.output(0), square.output(0))
        graph.erase_node(node)
        changed = True
    return graph, changed


def pattern(x):
    return tf.pow(x, 2.0)


def replacement(x):
    return x * x


def build():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    w = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), name="w")
    logits = tf.matmul(x, w, name="logits")
    energy = tf.reduce_sum(tf.pow(logits - 0.5, 2.0), axis=1, name="energy")
    return x, energy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", help="write the IR after every pass into this folder")
    parser.add_argument("--pattern", action="store_true", help="use the two-function pattern form of the pass")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    x, energy = build()
    feed = {x: np.random.RandomState(0).randn(5, 4).astype(np.float32)}

    user_pass = passes.pattern_pass(pattern, replacement, name="pow2_to_mul") if args.pattern else pow2_to_mul
    pipeline = passes.default_pipeline().insert_before("fusion", user_pass)

    with passes.pipeline_context(dump_dir=args.dump) if args.dump else passes.pipeline_context():
        with tf.Session(backend=args.backend, pipeline=pipeline) as sess:
            with_pass = sess.run(energy, feed)
            report = sess.pipeline_report
    with tf.Session(backend=args.backend) as sess:
        without_pass = sess.run(energy, feed)

    ops = sorted({n.op for n in report.graph.nodes} | {b.op for n in report.graph if n.op == "Fused"
                                                       for b in n.attrs["body"]})
    if not args.quiet:
        print(report.format())
        print()
        print(print_graph(report.graph, locations=False))
        if report.dump_dir:
            print(f"dump written to {report.dump_dir}")
        print("energy with the pass:   ", with_pass)
        print("energy without the pass:", without_pass)
    assert np.array_equal(with_pass, without_pass), "a pass must never change the numbers"
    return {"passes": report.passes_run(), "ops": ops, "energy": with_pass, "dump_dir": report.dump_dir}


if __name__ == "__main__":
    main()
