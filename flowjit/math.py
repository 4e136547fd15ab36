"""`tf.math`: the math functions under their TF 1.x `tf.math.*` names.

Most are the same objects as the top-level `tf.*` functions; a few exist only here, as in TF
(`reduce_std`, `reduce_variance`, `l2_normalize`, `divide_no_nan`). Functions that other
modules own (`softmax`, `top_k`, segment sums ...) are re-exported when those modules offer them.
"""

from __future__ import annotations

from .frontend.ops import math_ops as _m

_OWN = [
    "abs", "accumulate_n", "acos", "acosh", "add", "add_n", "argmax", "argmin", "asin", "asinh", "atan", "atan2",
    "atanh", "ceil", "conj", "cos", "cosh", "count_nonzero", "cumprod", "cumsum", "divide", "divide_no_nan",
    "equal", "erf", "erfc", "exp", "expm1", "floor", "floordiv", "floormod", "greater", "greater_equal",
    "is_finite", "is_inf", "is_nan", "l2_normalize", "less", "less_equal", "log", "log1p", "log_sigmoid",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "mod", "multiply",
    "multiply_no_nan", "negative", "not_equal", "pow", "real", "reciprocal", "reduce_all", "reduce_any",
    "reduce_euclidean_norm", "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod",
    "reduce_std", "reduce_sum", "reduce_variance", "rint", "round", "rsqrt", "scalar_mul", "sigmoid", "sign",
    "sin", "sinh", "sqrt", "square", "squared_difference", "subtract", "tan", "tanh", "truediv",
    "truncatediv", "truncatemod", "xdivy", "xlogy",
]

# tf.math names implemented by other modules (nn, array); exported when they exist
_ELSEWHERE = {
    "nn_ops": ["softmax", "log_softmax", "softplus", "softsign", "top_k", "in_top_k", "zero_fraction"],
    "array_ops": ["invert_permutation"],
    "sort_ops": ["sort", "argsort"],
    "segment_ops": ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
                    "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod",
                    "unsorted_segment_mean", "unsorted_segment_sqrt_n"],
}

__all__: list[str] = []

for _name in _OWN:
    globals()[_name] = getattr(_m, _name)
    __all__.append(_name)


def _import_elsewhere() -> None:
    import importlib

    for module_name, names in _ELSEWHERE.items():
        try:
            module = importlib.import_module(f".frontend.ops.{module_name}", __package__)
        except ImportError:  # pragma: no cover - a module still being written
            continue
        for name in names:
            if hasattr(module, name):
                globals()[name] = getattr(module, name)
                __all__.append(name)


_import_elsewhere()
del _name
