"""Sources and plumbing: Const, Placeholder, PlaceholderWithDefault, Arg, Identity, NoOp."""

from __future__ import annotations

import numpy as np

from .. import errors
from ..registry import register_op
from ..shapes import TensorShape
from ._util import same_as_input, spec


def _const_infer(inputs, attrs):
    value = attrs["value"]
    if not isinstance(value, np.ndarray):
        raise TypeError("Const attr 'value' must be a NumPy array")
    return [spec(attrs["dtype"], value.shape)]


register_op("Const", infer=_const_infer, kernel=lambda ctx: ctx.attrs["value"], num_inputs=0,
            op_class="elementwise", doc="A literal; attrs value (ndarray), dtype.")


def _placeholder_kernel(ctx):
    shape = ctx.attrs["shape"]
    shape_text = "unknown" if shape.rank is None else "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"
    raise ctx.error(errors.InvalidArgumentError,
                    f"You must feed a value for placeholder tensor '{ctx.node.name}' with dtype "
                    f"{ctx.attrs['dtype'].name} and shape {shape_text}")


register_op("Placeholder", infer=lambda inputs, attrs: [spec(attrs["dtype"], attrs["shape"])],
            kernel=_placeholder_kernel, num_inputs=0, stateful=True, host=True,
            doc="A value that must be fed; attrs dtype, shape.")


def _pwd_infer(inputs, attrs):
    shape: TensorShape = attrs["shape"]
    if not shape.is_compatible_with(inputs[0].shape):
        raise ValueError(f"default value of shape {inputs[0].shape} is not compatible with shape {shape}")
    return [spec(inputs[0].dtype, shape)]


register_op("PlaceholderWithDefault", infer=_pwd_infer, kernel=lambda ctx, x: x, num_inputs=1,
            doc="Input 0 unless fed; attr shape (may be less specific than the default's).")

register_op("Arg", infer=lambda inputs, attrs: [spec(attrs["dtype"], attrs["shape"])],
            kernel=lambda ctx: ctx.error_unbound_arg(), num_inputs=0,
            doc="Parameter `index` of a function body graph; bound by the caller.")

register_op("Identity", infer=same_as_input, kernel=lambda ctx, x: x, num_inputs=1, op_class="elementwise")
register_op("StopGradient", infer=same_as_input, kernel=lambda ctx, x: x, num_inputs=1, op_class="elementwise")
register_op("PreventGradient", infer=same_as_input, kernel=lambda ctx, x: x, num_inputs=1, op_class="elementwise",
            doc="Identity whose gradient is an error (attr message), as TF's; used by CTCLoss's gradient.")
register_op("NoOp", infer=lambda inputs, attrs: [], kernel=lambda ctx: (), num_inputs=0,
            doc="Does nothing; groups control dependencies.")


def _identity_n_infer(inputs, attrs):
    return [spec(v.dtype, v.shape) for v in inputs]


register_op("IdentityN", infer=_identity_n_infer, kernel=lambda ctx, *xs: tuple(xs))
