"""`tf.sparse`: the sparse ops under their TF 1.x `tf.sparse.*` names; implementations live in
flowjit/frontend/ops/sparse_ops.py."""

from .frontend.framework.sparse_tensor import SparseTensor
from .frontend.ops.sparse_ops import expand_dims, from_dense
from .frontend.ops.sparse_ops import sparse_add as add
from .frontend.ops.sparse_ops import sparse_concat as concat
from .frontend.ops.sparse_ops import sparse_fill_empty_rows as fill_empty_rows
from .frontend.ops.sparse_ops import sparse_placeholder as placeholder
from .frontend.ops.sparse_ops import sparse_reduce_sum as reduce_sum
from .frontend.ops.sparse_ops import sparse_reorder as reorder
from .frontend.ops.sparse_ops import sparse_reshape as reshape
from .frontend.ops.sparse_ops import sparse_retain as retain
from .frontend.ops.sparse_ops import sparse_softmax as softmax
from .frontend.ops.sparse_ops import sparse_tensor_dense_matmul as matmul
from .frontend.ops.sparse_ops import sparse_tensor_dense_matmul as sparse_dense_matmul
from .frontend.ops.sparse_ops import sparse_tensor_to_dense as to_dense
from .frontend.ops.sparse_ops import sparse_transpose as transpose
from .frontend.ops.segment_ops import (sparse_segment_mean as segment_mean,  # noqa: F401
                                       sparse_segment_sqrt_n as segment_sqrt_n, sparse_segment_sum as segment_sum)

__all__ = ["SparseTensor", "add", "concat", "expand_dims", "fill_empty_rows", "from_dense", "matmul", "placeholder",
           "reduce_sum", "reorder", "reshape", "retain", "segment_mean", "segment_sqrt_n", "segment_sum", "softmax",
           "sparse_dense_matmul", "to_dense", "transpose"]
