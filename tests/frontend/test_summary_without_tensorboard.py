"""Without the optional extra `tensorboard`: summary ops still run (their bytes are written by
hand), the proto classes and FileWriter raise an ImportError naming the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import sys
    sys.modules["tensorboard"] = None  # as if the extra were not installed
    import flowjit as tf
    s = tf.summary.merge([tf.summary.scalar("a", 1.0), tf.summary.histogram("h", [1.0])])
    out = tf.Session(backend="reference").run(s)
    assert out.startswith(b"\\n\\x08\\n\\x01a\\x15\\x00\\x00\\x80?"), out
    for make in (lambda: tf.Summary(), lambda: tf.summary.FileWriter("/nonexistent/logs"),
                 lambda: list(tf.summary.summary_iterator("/nonexistent/file"))):
        try:
            make()
        except ImportError as e:
            print(e)
        else:
            raise SystemExit("no ImportError")
""")


def test_without_the_extra():
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 3
    for line, what in zip(lines, ("tf.Summary", "tf.summary.FileWriter", "tf.summary.summary_iterator")):
        assert line.startswith(what) and "requires the optional extra 'tensorboard': " \
            "pip install 'flowjit[tensorboard]'" in line, line
