"""`tf.nn` candidate samplers and compute_accidental_hits (TF1's candidate_sampling_ops)."""

from __future__ import annotations

import collections
from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["log_uniform_candidate_sampler", "uniform_candidate_sampler", "fixed_unigram_candidate_sampler",
           "learned_unigram_candidate_sampler", "compute_accidental_hits"]

# the named tuples TF's generated op wrappers return
_SAMPLED = ("sampled_candidates", "true_expected_count", "sampled_expected_count")
_OUTPUTS = {"LogUniformCandidateSampler": collections.namedtuple("LogUniformCandidateSampler", _SAMPLED),
            "UniformCandidateSampler": collections.namedtuple("UniformCandidateSampler", _SAMPLED),
            "FixedUnigramCandidateSampler": collections.namedtuple("FixedUnigramCandidateSampler", _SAMPLED),
            "LearnedUnigramCandidateSampler": collections.namedtuple("LearnedUnigramCandidateSampler", _SAMPLED),
            "ComputeAccidentalHits": collections.namedtuple("ComputeAccidentalHits", ("indices", "ids", "weights"))}


def _seed_attrs(seed: Any) -> dict:
    return {"seed": None if seed is None else int(seed), "seed2": get_default_graph().seed}


def _true_classes(true_classes: Any) -> Tensor:
    t = convert_to_tensor(true_classes, dtype_hint=dtypes.int64, name="true_classes")
    if t.dtype != dtypes.int64:
        raise TypeError(f"true_classes must be int64, got {t.dtype.name}")
    return t


def _sampler(op_type: str, default: str, true_classes: Any, num_true: int, num_sampled: int, unique: bool,
             range_max: int, seed: Any, name: str | None, **extra: Any) -> tuple[Tensor, Tensor, Tensor]:
    with name_scope(name, default) as scope:
        t = _true_classes(true_classes)
        attrs = {"num_true": int(num_true), "num_sampled": int(num_sampled), "unique": bool(unique),
                 "range_max": int(range_max), **_seed_attrs(seed), **extra}
        op = get_default_graph().create_op(op_type, [t], attrs, name=scope)
        return _OUTPUTS[op_type](*op.outputs)


def log_uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool, range_max: int,
                                  seed: int | None = None, name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Samples from P(k) = log((k+2)/(k+1)) / log(range_max+1) (Zipfian class ids):
    (sampled_candidates, true_expected_count, sampled_expected_count)."""
    return _sampler("LogUniformCandidateSampler", "LogUniformCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool, range_max: int,
                              seed: int | None = None, name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Samples uniformly from [0, range_max): (sampled_candidates, true_expected_count, sampled_expected_count)."""
    return _sampler("UniformCandidateSampler", "UniformCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def fixed_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                    range_max: int, vocab_file: str = "", distortion: float = 1.0,
                                    num_reserved_ids: int = 0, num_shards: int = 1, shard: int = 0,
                                    unigrams: Any = (), seed: int | None = None,
                                    name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Samples from the fixed distribution P(k) ~ unigrams[k]^distortion (or the counts in the
    last column of `vocab_file`); the first `num_reserved_ids` ids weigh 0; with `num_shards`,
    only ids with id % num_shards == shard (range_max is their count)."""
    if not 0 <= int(shard) < int(num_shards):
        raise ValueError(f"shard must be in [0, num_shards={num_shards}), got {shard}")
    return _sampler("FixedUnigramCandidateSampler", "FixedUnigramCandidateSampler", true_classes, num_true,
                    num_sampled, unique, range_max, seed, name, vocab_file=str(vocab_file),
                    distortion=float(distortion), num_reserved_ids=int(num_reserved_ids),
                    num_shards=int(num_shards), shard=int(shard), unigrams=[float(u) for u in unigrams])


def learned_unigram_candidate_sampler(true_classes: Any, num_true: int, num_sampled: int, unique: bool,
                                      range_max: int, seed: int | None = None,
                                      name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Samples from the unigram distribution of the true classes seen so far in this session
    (every id starts with count 1; a run's true classes count after its draw, as in TF)."""
    return _sampler("LearnedUnigramCandidateSampler", "LearnedUnigramCandidateSampler", true_classes, num_true,
                    num_sampled, unique, range_max, seed, name)


def compute_accidental_hits(true_classes: Any, sampled_candidates: Any, num_true: int, seed: int | None = None,
                            name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """(indices, ids, weights): row i and sampled position j where sampled_candidates[j] is a true class of
    row i, weight -FLT_MAX (to add to the sampled logits)."""
    with name_scope(name, "ComputeAccidentalHits") as scope:
        t = _true_classes(true_classes)
        s = convert_to_tensor(sampled_candidates, dtype_hint=dtypes.int64, name="sampled_candidates")
        op = get_default_graph().create_op("ComputeAccidentalHits", [t, s],
                                           {"num_true": int(num_true), **_seed_attrs(seed)}, name=scope)
        return _OUTPUTS["ComputeAccidentalHits"](*op.outputs)
