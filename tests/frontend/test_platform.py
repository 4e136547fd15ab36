"""tf.app / tf.flags (in subprocesses, since absl's FLAGS is process-wide), tf.logging, tf.gfile,
tf.io.gfile and tf.compat's conversions."""

from __future__ import annotations

import json
import logging as pylogging
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors

ROOT = pathlib.Path(__file__).resolve().parents[2]

FLAGS_SCRIPT = textwrap.dedent("""
    import json, sys
    if sys.argv[1] == "tf":
        import tensorflow.compat.v1 as tf
    else:
        import flowjit as tf
    del sys.argv[1]
    flags = tf.app.flags
    flags.DEFINE_string("name", "anon", "a string")
    flags.DEFINE_integer("steps", 10, "an int")
    flags.DEFINE_float("lr", 0.1, "a float")
    flags.DEFINE_boolean("verbose", False, "a bool")
    tf.flags.DEFINE_bool("fast", True, "a bool, other spelling")
    flags.DEFINE_enum("mode", "train", ["train", "eval"], "an enum")
    flags.DEFINE_list("layers", ["a"], "a list")
    flags.DEFINE_multi_string("tag", [], "repeatable")
    flags.DEFINE_string(flag_name="old", default_value="o", docstring="TF1's old keywords")
    FLAGS = flags.FLAGS

    def main(argv):
        print(json.dumps({"argv": argv[1:], "name": FLAGS.name, "steps": FLAGS.steps, "lr": FLAGS.lr,
                          "verbose": FLAGS.verbose, "fast": FLAGS.fast, "mode": FLAGS.mode,
                          "layers": FLAGS.layers, "tag": FLAGS.tag, "old": FLAGS.old}))

    if __name__ == "__main__":
        tf.app.run()
""")

LAZY_SCRIPT = textwrap.dedent("""
    import json, sys
    import flowjit as tf
    tf.flags.DEFINE_integer("n", 1, "an int")
    print(json.dumps(tf.flags.FLAGS.n))
""")

ARGV = ["--name=bob", "--steps", "7", "--lr=0.5", "--verbose", "--nofast", "--mode=eval", "--layers=x,y",
        "--tag=a", "--tag=b", "--old=new", "--unknown=3", "positional"]


def _run_script(tmp_path: pathlib.Path, source: str, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "prog.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_app_run_parses_known_flags_and_passes_the_rest(tmp_path):
    proc = _run_script(tmp_path, FLAGS_SCRIPT, "flowjit", *ARGV)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"argv": ["--unknown=3", "positional"], "name": "bob", "steps": 7, "lr": 0.5, "verbose": True,
                   "fast": False, "mode": "eval", "layers": ["x", "y"], "tag": ["a", "b"], "old": "new"}


def test_app_run_defaults_and_bad_value(tmp_path):
    proc = _run_script(tmp_path, FLAGS_SCRIPT, "flowjit")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["name"] == "anon" and got["steps"] == 10 and got["fast"] is True and got["argv"] == []
    bad = _run_script(tmp_path, FLAGS_SCRIPT, "flowjit", "--steps=many")
    assert bad.returncode != 0 and "steps" in bad.stderr


def test_flags_parse_lazily_on_first_read(tmp_path):
    proc = _run_script(tmp_path, LAZY_SCRIPT, "--n=5")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip()) == 5


@pytest.mark.tf
def test_flag_parsing_matches_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    ours = _run_script(tmp_path, FLAGS_SCRIPT, "flowjit", *ARGV)
    theirs = _run_script(tmp_path, FLAGS_SCRIPT, "tf", *ARGV)
    assert ours.returncode == theirs.returncode == 0, (ours.stderr, theirs.stderr)
    assert json.loads(ours.stdout.strip().splitlines()[-1]) == json.loads(theirs.stdout.strip().splitlines()[-1])


def test_app_has_flags_and_run():
    assert tf.app.flags is tf.flags
    assert tf.flags.FLAGS is tf.app.flags.FLAGS
    with pytest.raises(TypeError, match="callable main"):
        tf.app.run(main=42, argv=["prog"])


# --- logging --------------------------------------------------------------------------------------

class _Capture(pylogging.Handler):
    def __init__(self) -> None:
        super().__init__(level=0)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: pylogging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


@pytest.fixture
def captured():
    logger = tf.logging.get_logger()
    handler = _Capture()
    old = logger.level
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_logging_constants_are_tf_values():
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN, tf.logging.ERROR, tf.logging.FATAL) == (
        10, 20, 30, 40, 50)
    assert tf.logging.get_logger().name == "flowjit"


def test_logging_levels_filter(captured):
    tf.logging.set_verbosity(tf.logging.WARN)
    assert tf.logging.get_verbosity() == 30
    tf.logging.debug("d")
    tf.logging.info("i %d", 1)
    tf.logging.warning("w %s", "x")
    tf.logging.warn("w2")
    tf.logging.error("e")
    tf.logging.fatal("f")
    tf.logging.log(tf.logging.ERROR, "l")
    tf.logging.vlog(10, "v")
    tf.logging.log_if(tf.logging.ERROR, "yes", True)
    tf.logging.log_if(tf.logging.ERROR, "no", False)
    assert captured.records == [(30, "w x"), (30, "w2"), (40, "e"), (50, "f"), (40, "l"), (40, "yes")]
    tf.logging.set_verbosity(tf.logging.DEBUG)
    tf.logging.info("i %d", 2)
    assert captured.records[-1] == (20, "i 2")


def test_log_every_n_and_first_n_count_per_call_site(captured):
    tf.logging.set_verbosity(tf.logging.INFO)
    for i in range(7):
        tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, i)
    for i in range(5):
        tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
    assert [m for _, m in captured.records] == ["every 0", "every 3", "every 6", "first 0", "first 1"]


def test_logging_rejects_bad_level():
    with pytest.raises(TypeError, match="integer level"):
        tf.logging.set_verbosity("INFO")
    with pytest.raises(ValueError, match="positive integer n"):
        tf.logging.log_every_n(tf.logging.INFO, "x", 0)


# --- gfile ------------------------------------------------------------------------------------------

def test_gfile_files_and_directories(tmp_path):
    d = str(tmp_path / "a" / "b")
    assert not tf.gfile.Exists(d)
    tf.gfile.MakeDirs(d)
    tf.gfile.MakeDirs(d)  # existing is fine
    assert tf.gfile.IsDirectory(d)
    f = os.path.join(d, "x.txt")
    with tf.gfile.GFile(f, "w") as fh:
        fh.write("hello\n")
        fh.write(b"world\n")
    with tf.gfile.Open(f) as fh:
        assert fh.read() == "hello\nworld\n"
    with tf.gfile.FastGFile(f, "rb") as fh:
        assert fh.read() == b"hello\nworld\n"
        assert fh.size() == 12
    assert tf.gfile.Stat(f).length == 12 and not tf.gfile.Stat(f).is_directory
    tf.gfile.Copy(f, os.path.join(d, "y.txt"))
    with pytest.raises(errors.AlreadyExistsError):
        tf.gfile.Copy(f, os.path.join(d, "y.txt"))
    tf.gfile.Copy(f, os.path.join(d, "y.txt"), overwrite=True)
    tf.gfile.Rename(os.path.join(d, "y.txt"), os.path.join(d, "z.txt"))
    assert tf.gfile.ListDirectory(d) == ["x.txt", "z.txt"]
    assert tf.gfile.Glob(os.path.join(d, "*.txt")) == [f, os.path.join(d, "z.txt")]
    tf.gfile.MkDir(os.path.join(d, "sub"))
    tf.gfile.MkDir(os.path.join(d, "sub"))  # TF ignores an existing directory
    with pytest.raises(errors.FailedPreconditionError, match="Is a directory"):
        tf.gfile.Remove(os.path.join(d, "sub"))
    with pytest.raises(errors.AlreadyExistsError):
        tf.gfile.Rename(f, os.path.join(d, "sub"))
    walked = list(tf.gfile.Walk(str(tmp_path / "a")))
    assert walked == [(str(tmp_path / "a"), ["b"], []), (d, ["sub"], ["x.txt", "z.txt"]),
                      (os.path.join(d, "sub"), [], [])]
    tf.gfile.Remove(f)
    assert not tf.gfile.Exists(f)
    tf.gfile.DeleteRecursively(str(tmp_path / "a"))
    assert not tf.gfile.Exists(str(tmp_path / "a"))


def test_gfile_missing_paths_raise_not_found(tmp_path):
    missing = str(tmp_path / "nope")
    for call in (lambda: tf.gfile.GFile(missing).read(), lambda: tf.gfile.Remove(missing),
                 lambda: tf.gfile.DeleteRecursively(missing), lambda: tf.gfile.Stat(missing),
                 lambda: tf.gfile.ListDirectory(missing), lambda: tf.gfile.Rename(missing, missing + "2"),
                 lambda: tf.gfile.MkDir(str(tmp_path / "no" / "parent"))):
        with pytest.raises(errors.NotFoundError, match="nope|no"):
            call()
    assert list(tf.gfile.Walk(missing)) == []
    with pytest.raises(errors.InvalidArgumentError, match="mode is not"):
        tf.gfile.GFile(missing, "x")
    with pytest.raises(TypeError, match="path"):
        tf.gfile.Exists(3)


def test_io_gfile_lower_case_names(tmp_path):
    g = tf.io.gfile
    d = str(tmp_path / "q")
    g.makedirs(d)
    with g.GFile(os.path.join(d, "f"), "w") as fh:
        fh.write("1")
    assert g.exists(os.path.join(d, "f")) and g.isdir(d) and g.listdir(d) == ["f"]
    g.copy(os.path.join(d, "f"), os.path.join(d, "g"))
    g.rename(os.path.join(d, "g"), os.path.join(d, "h"))
    assert g.glob(os.path.join(d, "*")) == [os.path.join(d, "f"), os.path.join(d, "h")]
    assert g.stat(os.path.join(d, "h")).length == 1
    g.mkdir(os.path.join(d, "m"))
    assert [r for r, _, _ in g.walk(d)] == [d, os.path.join(d, "m")]
    g.remove(os.path.join(d, "h"))
    g.rmtree(d)
    assert not g.exists(d)


@pytest.mark.tf
def test_gfile_errors_match_tensorflow(tmp_path):
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as real

    missing = str(tmp_path / "missing")
    for ours, theirs in ((tf.gfile.Remove, real.gfile.Remove), (tf.gfile.Stat, real.gfile.Stat)):
        with pytest.raises(real.errors.NotFoundError):
            theirs(missing)
        with pytest.raises(errors.NotFoundError):
            ours(missing)
    real.gfile.GFile(missing)  # both open lazily: the error comes at the first read
    tf.gfile.GFile(missing)
    with pytest.raises(real.errors.NotFoundError):
        real.gfile.GFile(missing).read()
    with pytest.raises(errors.NotFoundError):
        tf.gfile.GFile(missing).read()
    for lib in (real.gfile, tf.gfile):
        lib.MkDir(str(tmp_path / "m"))
        lib.MkDir(str(tmp_path / "m"))
    (tmp_path / "f").write_text("x")
    with pytest.raises(real.errors.FailedPreconditionError):
        real.gfile.Remove(str(tmp_path / "m"))
    with pytest.raises(errors.FailedPreconditionError):
        tf.gfile.Remove(str(tmp_path / "m"))
    with pytest.raises(real.errors.AlreadyExistsError):
        real.gfile.Copy(str(tmp_path / "f"), str(tmp_path / "m"))
    with pytest.raises(errors.AlreadyExistsError):
        tf.gfile.Copy(str(tmp_path / "f"), str(tmp_path / "m"))
    assert tf.gfile.ListDirectory(str(tmp_path)) == sorted(real.gfile.ListDirectory(str(tmp_path)))


# --- compat -----------------------------------------------------------------------------------------

def test_compat_conversions():
    c = tf.compat
    assert c.as_bytes("é") == "é".encode() and c.as_bytes(bytearray(b"x")) == b"x"
    assert c.as_bytes("é", "latin-1") == b"\xe9"
    assert c.as_text(b"\xc3\xa9") == "é" and c.as_str("s") == "s"
    assert c.as_str_any(b"a") == "a" and c.as_str_any(3) == "3"
    assert c.path_to_str(pathlib.Path("./a/b")) == "a/b" and c.path_to_str(5) == 5
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        c.as_bytes(1)
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        c.as_text(None)
    assert c.bytes_or_text_types == (bytes, str)
    assert isinstance(np.int32(1), c.integral_types) and not isinstance(1.5, c.integral_types)
    assert isinstance(np.float32(1), c.real_types) and isinstance(1j, c.complex_types)
    assert not isinstance(1j, c.real_types)


@pytest.mark.tf
def test_compat_matches_tensorflow():
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as real

    for v in ("abc", b"abc", bytearray(b"q")):
        assert tf.compat.as_bytes(v) == real.compat.as_bytes(v)
    for v in (b"\xc3\xa9", "x"):
        assert tf.compat.as_text(v) == real.compat.as_text(v)
    for v in (3, np.int64(2), 2.5, np.float16(1), 1j, "s"):
        for kind in ("integral_types", "real_types", "complex_types", "bytes_or_text_types"):
            assert isinstance(v, getattr(tf.compat, kind)) == isinstance(v, getattr(real.compat, kind)), (v, kind)
