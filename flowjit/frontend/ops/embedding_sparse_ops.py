"""`tf.nn.embedding_lookup_sparse` and `tf.nn.safe_embedding_lookup_sparse` (TF's
embedding_ops.py): per-row combinations (sum, mean, sqrtn) of the embeddings of a SparseTensor
of ids, optionally weighted by a SparseTensor of weights of the same layout."""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, math_ops, nn_ops, segment_ops, sparse_ops

__all__ = ["embedding_lookup_sparse", "safe_embedding_lookup_sparse"]

_COMBINERS = ("mean", "sqrtn", "sum")


def embedding_lookup_sparse(params: Any, sp_ids: Any, sp_weights: Any, partition_strategy: str = "mod",
                            name: str | None = None, combiner: str | None = None, max_norm: Any = None) -> Tensor:
    """Row r of the result combines params[id] over the ids of row r of `sp_ids` (weighted by
    `sp_weights` when given): "sum", "mean" (by the weights' sum) or "sqrtn" (by the root of
    the squared weights' sum; a row whose weights sum to 0 gives 0, as TF 2's div_no_nan).
    Rows past the last id's row are absent, as in TF."""
    if combiner is None:
        combiner = "mean"
    if combiner not in _COMBINERS:
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum'")
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError("sp_ids must be SparseTensor")
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise TypeError("sp_weights must be either None or SparseTensor")
    if sp_weights is not None:
        for a, b in ((sp_ids.values, sp_weights.values), (sp_ids.indices, sp_weights.indices),
                     (sp_ids.dense_shape, sp_weights.dense_shape)):
            if not a.shape.is_compatible_with(b.shape):
                raise ValueError(f"Shapes {a.shape} and {b.shape} are incompatible")
    params_list = params if isinstance(params, (list, tuple)) else [params]
    with get_default_graph().name_scope(name or "embedding_lookup_sparse") as scope:
        segment_ids = math_ops.cast(sp_ids.indices[:, 0], dtypes.int32)
        ids, idx = array_ops.unique(sp_ids.values)
        embeddings = nn_ops.embedding_lookup(params_list if len(params_list) > 1 else params_list[0], ids,
                                             partition_strategy=partition_strategy, max_norm=max_norm)
        if embeddings.dtype == dtypes.float16:
            embeddings = math_ops.cast(embeddings, dtypes.float32)
        if sp_weights is None:
            fn = {"sum": segment_ops.sparse_segment_sum, "mean": segment_ops.sparse_segment_mean,
                  "sqrtn": segment_ops.sparse_segment_sqrt_n}[combiner]
            return fn(embeddings, idx, segment_ids, name=scope)
        weights = sp_weights.values
        if weights.dtype != embeddings.dtype:
            weights = math_ops.cast(weights, embeddings.dtype)
        embeddings = array_ops.gather(embeddings, idx)
        rank = embeddings.shape.rank
        if rank is None:
            raise ValueError("embedding_lookup_sparse needs embeddings of known rank here")
        weights = array_ops.reshape(weights, [-1] + [1] * (rank - 1))  # broadcast over the embedding dims
        embeddings = embeddings * weights
        if combiner == "sum":
            return segment_ops.segment_sum(embeddings, segment_ids, name=scope)
        total = segment_ops.segment_sum(embeddings, segment_ids)
        if combiner == "mean":
            return math_ops.div_no_nan(total, segment_ops.segment_sum(weights, segment_ids), name=scope)
        norm = math_ops.sqrt(segment_ops.segment_sum(math_ops.pow(weights, 2), segment_ids))
        return math_ops.div_no_nan(total, norm, name=scope)


def safe_embedding_lookup_sparse(embedding_weights: Any, sparse_ids: Any, sparse_weights: Any = None,
                                 combiner: str = "mean", default_id: Any = None, name: str | None = None,
                                 partition_strategy: str = "div", max_norm: Any = None) -> Tensor:
    """embedding_lookup_sparse that tolerates what real data holds: ids < 0 (and, unless
    combiner is "sum", weights <= 0) are dropped, and a row left empty gives zeros (or
    params[default_id]); ids of rank > 2 are flattened to rows and the result reshaped back."""
    if embedding_weights is None:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    weights_list = list(embedding_weights) if isinstance(embedding_weights, (list, tuple)) else [embedding_weights]
    if not weights_list:
        raise ValueError(f"Missing embedding_weights {embedding_weights}.")
    dtype = sparse_weights.dtype if sparse_weights is not None else None
    weights_list = [w if hasattr(w, "_snapshot") and dtype in (None, w.dtype) else convert_to_tensor(w, dtype=dtype)
                    for w in weights_list]
    with get_default_graph().name_scope(name or "embedding_lookup") as scope:
        original_shape = sparse_ids.dense_shape
        rank_dim = original_shape.shape.dims[0] if original_shape.shape.rank == 1 else None
        if rank_dim is None:
            raise ValueError("safe_embedding_lookup_sparse needs sparse_ids of known rank here")
        rows = math_ops.reduce_prod(original_shape[:rank_dim - 1])
        sparse_ids = sparse_ops.sparse_reshape(sparse_ids, array_ops.stack([rows, original_shape[rank_dim - 1]]))
        if sparse_weights is not None:
            sparse_weights = SparseTensor(sparse_ids.indices, sparse_weights.values, sparse_ids.dense_shape)
        valid = math_ops.greater_equal(sparse_ids.values, array_ops.zeros_like(sparse_ids.values))
        sparse_ids = sparse_ops.sparse_retain(sparse_ids, valid)
        if sparse_weights is not None:
            sparse_weights = sparse_ops.sparse_retain(sparse_weights, valid)
            if combiner != "sum":
                positive = math_ops.greater(sparse_weights.values, array_ops.zeros_like(sparse_weights.values))
                sparse_ids = sparse_ops.sparse_retain(sparse_ids, positive)
                sparse_weights = sparse_ops.sparse_retain(sparse_weights, positive)
        sparse_ids, is_row_empty = sparse_ops.sparse_fill_empty_rows(sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_ops.sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(weights_list, sparse_ids, sparse_weights, combiner=combiner,
                                         partition_strategy=partition_strategy,
                                         name=None if default_id is None else scope, max_norm=max_norm)
        if default_id is None:
            empty = array_ops.tile(array_ops.reshape(is_row_empty, [-1, 1]),
                                   array_ops.stack([1, array_ops.shape(result)[1]]))
            result = math_ops.where(empty, array_ops.zeros_like(result), result, name=scope)
        lead = math_ops.cast(original_shape[:rank_dim - 1], dtypes.int32)
        final = array_ops.reshape(result, array_ops.concat([lead, array_ops.shape(result)[1:]], 0))
        final.set_shape([None] * (rank_dim - 1) + result.shape.as_list()[1:] if result.shape.rank else None)
        return final
