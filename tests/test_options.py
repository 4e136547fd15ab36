"""flowjit's FLOWJIT_* options: defined once in flowjit/options.py, read when used."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import flowjit as tf
from flowjit import options

ROOT = Path(__file__).resolve().parents[1]


def test_docs_list_every_option_from_its_definition():
    assert (ROOT / "docs" / "options.md").read_text() == options.describe(), \
        "regenerate with: python -c 'import flowjit.options as o; print(o.describe(), end=\"\")' > docs/options.md"


def test_no_module_reads_a_flowjit_variable_itself():
    direct = re.compile(r"(environ(\.get)?\s*[\[(]|getenv\s*\()\s*['\"]FLOWJIT_")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "flowjit").rglob("*.py")
                 if p.name != "options.py" and direct.search(p.read_text())]
    assert not offenders, f"read FLOWJIT_* through flowjit.options instead: {offenders}"


def test_every_option_named_in_the_code_is_defined():
    named = set()
    for p in (ROOT / "flowjit").rglob("*.py"):
        named |= set(re.findall(r"options\.(?:get|is_set)\(\"(FLOWJIT_[A-Z_]+)\"\)", p.read_text()))
    assert named and named <= set(options.FLAGS), named - set(options.FLAGS)


def test_environment_then_override_then_back(monkeypatch):
    monkeypatch.setenv("FLOWJIT_PARALLEL_MIN_WORK", "123")
    assert options.get("FLOWJIT_PARALLEL_MIN_WORK") == 123
    with options.override(FLOWJIT_PARALLEL_MIN_WORK=7):
        assert options.get("FLOWJIT_PARALLEL_MIN_WORK") == 7
        with options.override(FLOWJIT_VERIFY=False):
            assert options.get("FLOWJIT_PARALLEL_MIN_WORK") == 7 and options.get("FLOWJIT_VERIFY") is False
    assert options.get("FLOWJIT_PARALLEL_MIN_WORK") == 123
    monkeypatch.delenv("FLOWJIT_PARALLEL_MIN_WORK")
    assert options.get("FLOWJIT_PARALLEL_MIN_WORK") == 60000


@pytest.mark.parametrize("text,value", [("0", False), ("off", False), ("FALSE", False), ("1", True), ("yes", True),
                                        ("", False)])
def test_boolean_spellings(monkeypatch, text, value):
    monkeypatch.setenv("FLOWJIT_UNROLL", text)
    assert options.get("FLOWJIT_UNROLL") is value


def test_bad_values_name_the_option(monkeypatch):
    monkeypatch.setenv("FLOWJIT_PLAN_CACHE_SIZE", "many")
    with pytest.raises(ValueError, match="FLOWJIT_PLAN_CACHE_SIZE must be an integer"):
        options.get("FLOWJIT_PLAN_CACHE_SIZE")
    monkeypatch.setenv("FLOWJIT_PLAN_CACHE_SIZE", "0")
    with pytest.raises(ValueError, match="FLOWJIT_PLAN_CACHE_SIZE must be at least 1"):
        options.get("FLOWJIT_PLAN_CACHE_SIZE")
    with pytest.raises(KeyError, match="unknown flowjit option"):
        with options.override(FLOWJIT_NO_SUCH=1):
            pass


def test_cpu_features_set_but_empty_is_a_value(monkeypatch):
    monkeypatch.setenv("FLOWJIT_CPU_FEATURES", "")
    assert options.get("FLOWJIT_CPU_FEATURES") == ""
    monkeypatch.delenv("FLOWJIT_CPU_FEATURES")
    assert options.get("FLOWJIT_CPU_FEATURES") is None


def test_override_reaches_the_compiler():
    # host-driven control flow is the documented comparison mode: the program says why
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.int32, [])
        loop = tf.while_loop(lambda k: k < 5, lambda k: k + 1, [x], name="while")

    def program_of(**overrides):
        # a program scheduled under other options is a cache miss, never another program's code
        with options.override(**overrides), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with tf.Session(graph=g, backend="cpu") as s:
                assert s.run(loop, {x: 0}) == 5
                return list(s._cache.values())[-1].executable.program

    assert "FLOWJIT_NATIVE_CONTROL_FLOW=0" in program_of(FLOWJIT_NATIVE_CONTROL_FLOW=False).host_driven.values()
    assert not program_of().host_driven
