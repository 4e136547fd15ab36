"""The harness itself: it must see a difference when there is one."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import flowjit  # noqa: E402

from .harness import MARKS, Mismatch, P, check  # noqa: E402

pytestmark = MARKS


def differs_in_value(tf):
    return tf.constant([1.0, 2.0 if tf is flowjit else 2.001])


def differs_in_dtype(tf):
    return tf.constant([1.0], tf.float32 if tf is flowjit else tf.float64)


def differs_in_name(tf):
    return tf.constant(1.0, name="a" if tf is flowjit else "b")


def differs_in_static(tf):
    return P(static=[3 if tf is flowjit else 4])


def differs_in_scalar_kind(tf):
    return tf.constant(1.0 if tf is flowjit else [1.0])


def differs_in_error(tf):
    if tf is not flowjit:
        raise ValueError("only TF fails")
    return tf.constant(1.0)


def differs_in_error_class(tf):
    raise (TypeError if tf is flowjit else ValueError)("both fail")


def differs_in_print(tf):
    x = tf.constant([1, 2])
    return P(fetch=tf.Print(x, [x], "flowjit" if tf is flowjit else "tf"), capture=True)


@pytest.mark.parametrize("prog", [differs_in_value, differs_in_dtype, differs_in_name, differs_in_static,
                                  differs_in_scalar_kind, differs_in_error, differs_in_error_class,
                                  differs_in_print])
def test_harness_sees_differences(prog):
    with pytest.raises((Mismatch, AssertionError)):
        check(prog, expect=None)


def same_error(tf):
    raise ValueError("both")


def test_harness_accepts_same_error():
    check(same_error, expect="build")


def test_harness_tolerances():
    def close(tf):
        return tf.constant(np.float32(1.0) + (np.float32(1e-7) if tf is flowjit else 0))

    check(close)
