"""Op definitions: candidate samplers (TF's candidate_sampling_ops) and ComputeAccidentalHits.

The samplers are stateful random ops like those in random.py: the kernel draws from
`ctx.rng()` (per op and session, deterministic when a seed is set). Each returns TF's three
outputs: sampled_candidates [num_sampled] int64, true_expected_count [batch, num_true] and
sampled_expected_count [num_sampled] float32, with TF's expected-count formula
(p * num_sampled without `unique`, else 1 - (1 - p)^num_tries).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, errors
from ..registry import register_op
from ._util import require_dtype, spec


def _sampler_infer(op: str):
    def infer(inputs, attrs):
        (true_classes,) = inputs
        require_dtype(op, true_classes, (dtypes.int64,), "true_classes")
        num_true, num_sampled = int(attrs["num_true"]), int(attrs["num_sampled"])
        if num_true < 1 or num_sampled < 1 or int(attrs["range_max"]) < 1:
            raise ValueError(f"{op}: num_true, num_sampled and range_max must be positive, got {num_true}, "
                             f"{num_sampled}, {attrs['range_max']}")
        shape = true_classes.shape
        if shape.rank is not None and shape.rank != 2:
            raise ValueError(f"{op}: true_classes must be a matrix, got shape {shape}")
        if shape.rank == 2 and shape.dims[1] is not None and shape.dims[1] != num_true:
            raise ValueError(f"{op}: true_classes must have num_true={num_true} columns, got shape {shape}")
        batch = shape.dims[0] if shape.rank == 2 else None
        return [spec(dtypes.int64, [num_sampled]), spec(dtypes.float32, [batch, num_true]),
                spec(dtypes.float32, [num_sampled])]
    return infer


def _log_uniform_p(k: np.ndarray, range_max: int) -> np.ndarray:
    return (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(range_max + 1.0)


def _log_uniform_draw(rng: np.random.Generator, n: int, range_max: int) -> np.ndarray:
    v = np.floor(np.exp(rng.random(n) * np.log(range_max + 1.0))).astype(np.int64) - 1
    return np.mod(v, range_max)


def _uniform_draw(rng: np.random.Generator, n: int, range_max: int) -> np.ndarray:
    return rng.integers(0, range_max, size=n, dtype=np.int64)


def _sampler_kernel(draw, prob, after=None):
    """The kernel of a sampler drawing with `draw(rng, n, range_max)` from the distribution
    `prob(k, range_max)`; each may instead be a function of ctx returning one (`from_ctx`).
    `after(ctx, true_classes)` runs once the batch is drawn (the learned sampler's update)."""
    def kernel(ctx, true_classes):
        a = ctx.attrs
        n, range_max, unique = int(a["num_sampled"]), int(a["range_max"]), bool(a["unique"])
        d, p = (draw(ctx), prob(ctx)) if getattr(draw, "from_ctx", False) else (draw, prob)
        if true_classes.shape[1] != int(a["num_true"]):
            raise ctx.error(errors.InvalidArgumentError,
                            f"true_classes must have num_true={a['num_true']} columns, got {true_classes.shape}")
        if unique and n > range_max:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Sampler's range is too small: num_sampled={n} unique values from range_max={range_max}")
        rng = ctx.rng()
        if unique:
            picked: list[int] = []
            seen: set[int] = set()
            tries = 0
            while len(picked) < n:
                for v in d(rng, n - len(picked), range_max):
                    tries += 1
                    if int(v) not in seen:
                        seen.add(int(v))
                        picked.append(int(v))
                        if len(picked) == n:
                            break
            sampled = np.array(picked, np.int64)
        else:
            sampled, tries = d(rng, n, range_max), n

        def expected(k: np.ndarray) -> np.ndarray:
            q = p(k.astype(np.float64), range_max)
            out = q * n if tries == n else -np.expm1(tries * np.log1p(-q))
            return np.asarray(out, np.float32)

        result = sampled, expected(true_classes), expected(sampled)
        if after is not None:
            after(ctx, true_classes)
        return result
    return kernel


def _weighted(weights_of):
    """(draw, prob) factories over the weights `weights_of(ctx)` gives (one per id)."""
    def draw(ctx):
        w = weights_of(ctx)
        cdf = np.cumsum(w) / w.sum()
        return lambda rng, n, range_max: np.minimum(np.searchsorted(cdf, rng.random(n), side="right"),
                                                    len(w) - 1).astype(np.int64)

    def prob(ctx):
        w = weights_of(ctx)
        return lambda k, range_max: w[np.clip(k.astype(np.int64), 0, len(w) - 1)] / w.sum()
    draw.from_ctx = True
    return draw, prob


def _read_vocab_counts(ctx, path: str) -> list[float]:
    """The last comma-separated column of every line of TF's vocab_file, as a count."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
    except OSError as e:
        raise ctx.error(errors.NotFoundError, f"{path}; {e.strerror}") from None
    counts = []
    for i, line in enumerate(lines):
        try:
            counts.append(float(line.split(",")[-1]))
        except ValueError:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Wrong vocabulary format at line: {i + 1} of {path}: {line!r}") from None
    return counts


def _fixed_weights(ctx) -> np.ndarray:
    """TF's FixedUnigramSampler: reserved ids (weight 0), then the unigrams (or vocab_file
    counts) raised to `distortion`, keeping the ids of this shard (id % num_shards == shard)."""
    a = ctx.attrs
    counts = list(a["unigrams"]) if a["unigrams"] else (_read_vocab_counts(ctx, a["vocab_file"]) if a["vocab_file"]
                                                        else None)
    if counts is None:
        raise ctx.error(errors.InvalidArgumentError, "Must provide either vocab_file or unigrams.")
    shards, shard = int(a["num_shards"]), int(a["shard"])
    ids = [0.0] * int(a["num_reserved_ids"]) + [float(c) ** float(a["distortion"]) for c in counts]
    w = np.array([x for i, x in enumerate(ids) if i % shards == shard], np.float64)
    if len(w) != int(a["range_max"]):
        raise ctx.error(errors.InvalidArgumentError,
                        f"range_max ({a['range_max']}) must equal the number of ids in the shard ({len(w)}): "
                        f"num_reserved_ids + the vocabulary, split over num_shards")
    if not (w >= 0).all() or w.sum() <= 0:
        raise ctx.error(errors.InvalidArgumentError, "unigram weights must be non-negative with a positive sum")
    return w


def _learned_key(ctx) -> str:
    return f"LearnedUnigramCandidateSampler:{ctx.node.name}"


def _learned_weights(ctx) -> np.ndarray:
    """The learned sampler's counts (every id starts at 1), kept per session."""
    res = ctx.state.resources
    key = _learned_key(ctx)
    if key not in res:
        res[key] = np.ones(int(ctx.attrs["range_max"]), np.float64)
    return res[key]


def _learn(ctx, true_classes: np.ndarray) -> None:
    """After sampling, each true class seen counts once more (TF updates after the draw)."""
    w = _learned_weights(ctx)
    ids = true_classes.reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= len(w)):
        raise ctx.error(errors.InvalidArgumentError, f"true_classes must be in [0, {len(w)}), got {ids.tolist()}")
    np.add.at(w, ids, 1.0)


def _uniform_p(k: np.ndarray, range_max: int) -> np.ndarray:
    return np.full(k.shape, 1.0 / range_max)


register_op("LogUniformCandidateSampler", infer=_sampler_infer("LogUniformCandidateSampler"),
            kernel=_sampler_kernel(_log_uniform_draw, _log_uniform_p), num_inputs=1, stateful=True,
            doc="(true_classes) -> num_sampled classes from P(k) = log((k+2)/(k+1)) / log(range_max+1), "
                "and expected counts.")
register_op("UniformCandidateSampler", infer=_sampler_infer("UniformCandidateSampler"),
            kernel=_sampler_kernel(_uniform_draw, _uniform_p), num_inputs=1, stateful=True,
            doc="(true_classes) -> num_sampled classes drawn uniformly from [0, range_max), and expected counts.")


_fixed_draw, _fixed_prob = _weighted(_fixed_weights)
_learned_draw, _learned_prob = _weighted(_learned_weights)
register_op("FixedUnigramCandidateSampler", infer=_sampler_infer("FixedUnigramCandidateSampler"),
            kernel=_sampler_kernel(_fixed_draw, _fixed_prob), num_inputs=1, stateful=True,
            doc="(true_classes) -> num_sampled classes from P(k) ~ unigrams[k]^distortion (or vocab_file counts; "
                "reserved ids weigh 0, one shard of the ids), and expected counts.")
register_op("LearnedUnigramCandidateSampler", infer=_sampler_infer("LearnedUnigramCandidateSampler"),
            kernel=_sampler_kernel(_learned_draw, _learned_prob, after=_learn), num_inputs=1, stateful=True,
            doc="(true_classes) -> num_sampled classes from P(k) ~ 1 + times k was a true class so far (this "
                "session), and expected counts.")


def _hits_infer(inputs, attrs):
    true_classes, sampled = inputs
    require_dtype("ComputeAccidentalHits", true_classes, (dtypes.int64,), "true_classes")
    require_dtype("ComputeAccidentalHits", sampled, (dtypes.int64,), "sampled_candidates")
    if sampled.shape.rank is not None and sampled.shape.rank != 1:
        raise ValueError(f"ComputeAccidentalHits: sampled_candidates must be a vector, got shape {sampled.shape}")
    return [spec(dtypes.int32, [None]), spec(dtypes.int64, [None]), spec(dtypes.float32, [None])]


def _hits(ctx, true_classes, sampled):
    """TF's order: rows, then true classes; a repeated sampled value hits at its last position."""
    if true_classes.ndim != 2 or true_classes.shape[1] != int(ctx.attrs["num_true"]):
        raise ctx.error(errors.InvalidArgumentError,
                        f"true_classes must be a matrix with num_true={ctx.attrs['num_true']} columns, "
                        f"got shape {list(true_classes.shape)}")
    pos = {int(v): j for j, v in enumerate(sampled)}
    idx, ids = [], []
    for i, row in enumerate(true_classes):
        for c in row:
            if int(c) in pos:
                idx.append(i)
                ids.append(pos[int(c)])
    return (np.array(idx, np.int32), np.array(ids, np.int64),
            np.full(len(idx), -np.finfo(np.float32).max, np.float32))


register_op("ComputeAccidentalHits", infer=_hits_infer, kernel=_hits, num_inputs=2,
            doc="(true_classes, sampled_candidates) -> (row indices, sampled positions, -FLT_MAX weights) "
                "of sampled candidates equal to a true class.")
