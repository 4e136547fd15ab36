"""Array ops, slicing, placeholders and feeds, and static shapes, under flowjit and real TensorFlow."""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check  # noqa: E402

pytestmark = MARKS

HYPOTHESIS = settings(max_examples=15, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow])

X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


def shapes_and_reshapes(tf):
    x = tf.placeholder(tf.float32, [None, 3, 4], name="x")
    outs = [tf.reshape(x, [-1]), tf.reshape(x, [-1, 12]), tf.reshape(x, [2, -1, 2]), tf.reshape(x, tf.shape(x)),
            tf.reshape(x, [tf.shape(x)[0], 12]), tf.shape(x), tf.shape(x, out_type=tf.int64), tf.size(x), tf.rank(x),
            tf.shape_n([x, x])[1], tf.transpose(x), tf.transpose(x, [1, 0, 2]), tf.expand_dims(x, 0),
            tf.expand_dims(x, -1), tf.expand_dims(x, axis=1), tf.squeeze(tf.expand_dims(x, 1), [1]),
            tf.squeeze(tf.ones([1, 2, 1])), tf.squeeze(tf.ones([1, 2, 1]), axis=[-1]),
            tf.squeeze(tf.ones([1, 2, 1]), squeeze_dims=[0]), tf.matrix_transpose(x), tf.identity(x),
            tf.reshape(tf.constant(5.0), [1, 1]), tf.reshape(x, [3, -1])]
    return P(fetch=outs, feed={x: X234}, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_shapes_and_reshapes():
    check(shapes_and_reshapes)


def concat_stack_split(tf):
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.constant(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    outs = [tf.concat([a, b], 0), tf.concat([a, b], 1), tf.concat([a, b], -1),
            tf.stack([a, b]), tf.stack([a, b], axis=1), tf.stack([a, b], -1), tf.unstack(b), tf.unstack(b, axis=1),
            tf.split(b, 3, axis=1), tf.split(b, [1, 2], 1), tf.split(b, 2), tf.split(b, [2, -1], axis=1),
            tf.tile(b, [2, 1]), tf.tile(a, [1, 2]), tf.pad(b, [[1, 0], [0, 2]]),
            tf.pad(b, [[1, 1], [2, 2]], mode="REFLECT"), tf.pad(b, [[1, 1], [1, 1]], "SYMMETRIC"),
            tf.pad(b, [[0, 1], [1, 0]], constant_values=7.0), tf.reverse(b, [0]), tf.reverse(b, axis=[0, 1]),
            tf.reverse_v2(b, [1]), tf.reverse_sequence(b, [1, 3], seq_axis=1, batch_axis=0)]
    return P(fetch=outs, feed={a: np.ones((2, 3), np.float32)},
             static=[o.get_shape() if not isinstance(o, list) else [t.get_shape() for t in o] for o in outs])


def test_concat_stack_split():
    check(concat_stack_split)


def slice_gather(tf):
    x = tf.constant(X234)
    i = tf.placeholder(tf.int32, [None])
    outs = [tf.slice(x, [0, 1, 0], [1, 2, -1]), tf.slice(x, [1, 0, 0], [-1, -1, 2]),
            tf.strided_slice(x, [0, 0, 0], [2, 3, 4], [1, 2, 2]),
            tf.strided_slice(x, [1, 2], [0, 0], [-1, -1]),
            tf.strided_slice(x, [0, 1], [1, 2], shrink_axis_mask=1),
            tf.gather(x, [1, 0]), tf.gather(x, i, axis=1), tf.gather(x, [[0, 1], [1, 1]], axis=2),
            tf.gather(x, 1), tf.gather_nd(x, [[0, 1], [1, 2]]), tf.gather_nd(x, [[0, 1, 2]]),
            tf.gather_nd(x, [[[1]], [[0]]]),
            tf.boolean_mask(x, [True, False]), tf.boolean_mask(x, [[True, False, True], [False, False, True]]),
            tf.boolean_mask(x, [True, False, True, False], axis=2), tf.one_hot([0, 2, -1, 5], 4),
            tf.one_hot([[1], [0]], 3, on_value=5, off_value=-1), tf.one_hot([1, 2], 3, axis=0),
            tf.one_hot(i, 3, dtype=tf.float64), tf.sequence_mask([1, 3, 0], 4), tf.sequence_mask([2, 1])]
    return P(fetch=outs, feed={i: [2, 0, 1]}, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_slice_gather():
    check(slice_gather)


def fills(tf):
    n = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float32, [None, 2])
    outs = [tf.zeros([2, 3]), tf.zeros([2], tf.int32), tf.ones([1, 2], tf.float64), tf.fill([2, 2], 7),
            tf.fill([n, 2], 0.5), tf.zeros([n]), tf.zeros_like(x), tf.ones_like(x, dtype=tf.int32),
            tf.zeros_like(tf.constant([True])), tf.broadcast_to(tf.constant([1, 2]), [3, 2]),
            tf.constant(3.0, shape=[2, 2]), tf.constant([1, 2, 3, 4], shape=[2, 2]), tf.constant(1, dtype=tf.int64),
            tf.constant([[1, 2]], dtype=tf.float32), tf.constant(True), tf.constant("hi"), tf.constant(np.int16(3)),
            tf.constant([1.5], dtype=tf.float16), tf.constant(np.arange(3, dtype=np.uint8)),
            tf.placeholder_with_default([1.0, 2.0], [None])]
    return P(fetch=outs, feed={n: 3, x: np.ones((3, 2))},
             static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_fills_and_constants():
    check(fills)


def unique_etc(tf):
    x = tf.constant([3, 1, 3, 2, 1, 7])
    y, idx = tf.unique(x)
    d = tf.setdiff1d([1, 2, 3, 4], [2, 4])
    img = tf.constant(np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2))
    outs = [y, idx, d.out, d.idx, tf.invert_permutation([2, 0, 1]),
            tf.space_to_depth(img, 2), tf.depth_to_space(tf.space_to_depth(img, 2), 2),
            tf.scatter_nd([[1], [3]], [9, 10], [5]), tf.scatter_nd([[0, 1], [1, 0], [0, 1]], [1.0, 2.0, 3.0], [2, 2]),
            tf.tensor_scatter_nd_update(tf.zeros([3]), [[0], [2]], [5.0, 6.0]),
            tf.broadcast_dynamic_shape(tf.constant([2, 1]), tf.constant([1, 3])),
            tf.identity_n([x, x])[1], tf.stop_gradient(x)]
    return P(fetch=outs, static=[o.get_shape() for o in outs] + [o.dtype for o in outs]
             + [tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([None, 3]))])


def test_unique_scatter_and_friends():
    check(unique_etc)


def composites(tf):
    """Functions TF builds from several ops: their outputs' names are TF internals (eye/diag,
    meshgrid/mul, BatchGather/Reshape_3, parallel_stack/ParallelConcat, SequenceMask/Cast_1,
    concat of one tensor: TF 1's concat_1, TF 2's concat_1/concat); values, dtypes and shapes."""
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.constant(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    i = tf.placeholder(tf.int32, [None])
    g1, g2 = tf.meshgrid([1, 2, 3], [4, 5])
    h1, h2 = tf.meshgrid([1, 2, 3], [4, 5], indexing="ij")
    outs = [tf.concat([a], 0), tf.parallel_stack([b, b]), tf.batch_gather(tf.constant(X234), [[0], [2]]),
            tf.sequence_mask(i, 5, dtype=tf.float32), tf.eye(3), tf.eye(2, 3), tf.eye(2, batch_shape=[2]),
            tf.eye(2, dtype=tf.int32), g1, g2, h1, h2]
    return P(fetch=outs, feed={a: np.ones((2, 3)), i: [2, 0, 1]},
             static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_composite_functions():
    check(composites, names=False)


# --- getitem ------------------------------------------------------------------------------

SLICES = [
    (0,), (-1,), (slice(None),), (slice(1, None),), (slice(None, -1),), (slice(None, None, -1),),
    (slice(None, None, 2),), (0, 1), (0, slice(None), 2), (Ellipsis, 1), (Ellipsis, slice(1, 3)),
    (None, 0), (slice(None), None, 1), (1, Ellipsis, None), (slice(-2, None), slice(None, None, -2)),
    (slice(5, 10),), (slice(1, 0),), (slice(-100, 100),), (0, -1, -1), (Ellipsis,), (None,),
    (slice(None, None, -1), slice(None, None, -1)), (slice(2, 0, -1),), (1, slice(None), slice(None, 2)),
]


def getitem(tf, key, feed_shape):
    x = tf.placeholder(tf.float32, feed_shape)
    y = x[key]
    c = tf.constant(X234)[key]
    return P(fetch=[y, c], feed={x: X234}, static=[y.get_shape(), c.get_shape()])


@pytest.mark.parametrize("key", SLICES, ids=[repr(k) for k in SLICES])
def test_getitem(key):
    check(functools.partial(getitem, key=key, feed_shape=[2, 3, 4]))
    check(functools.partial(getitem, key=key, feed_shape=[None, None, 4]))


def getitem_tensor_index(tf):
    x = tf.constant(X234)
    i = tf.placeholder(tf.int32, [])
    j = tf.constant(1)
    v = tf.Variable(X234)
    outs = [x[i], x[j, i], x[:, j:], x[i:i + 1], x[..., j], x[tf.constant(0):tf.constant(2), :, ::j + 1], v[0],
            v[:, 1:, ::2], x[-i], x[0][1][2]]
    return P(fetch=outs, feed={i: 1}, static=[o.get_shape() for o in outs])


def test_getitem_tensor_indices():
    check(getitem_tensor_index)


@st.composite
def slice_keys(draw):
    key = []
    for dim in (2, 3, 4):
        kind = draw(st.sampled_from(["int", "slice", "all", "newaxis"]))
        if kind == "int":
            key.append(draw(st.integers(-dim, dim - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-dim - 1, dim + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-dim - 1, dim + 1)))
            step = draw(st.one_of(st.none(), st.sampled_from([-2, -1, 1, 2, 3])))
            key.append(slice(start, stop, step))
        elif kind == "all":
            key.append(slice(None))
        else:
            key.append(None)
            key.append(slice(None))
    if draw(st.booleans()):
        key = key[:draw(st.integers(1, len(key)))] + [Ellipsis]
    return tuple(key)


@given(key=slice_keys())
@HYPOTHESIS
def test_getitem_random_keys(key):
    check(functools.partial(getitem, key=key, feed_shape=[None, 3, None]))


# --- placeholders and feeds ---------------------------------------------------------------

def placeholders(tf):
    a = tf.placeholder(tf.float32, shape=[None], name="a")
    b = tf.placeholder(tf.int64, shape=(None, 2))
    c = tf.placeholder(tf.float32)  # unknown rank
    d = tf.placeholder(tf.bool, [])
    e = tf.placeholder("float", [2])
    f = tf.placeholder(dtype=tf.float64, shape=tf.TensorShape([None, None]))
    g = tf.placeholder(tf.string, [None])
    outs = [a * 2.0, b + 1, c * 2.0, tf.logical_not(d), e, f, g, tf.shape(c)]
    feeds = {a: [1.0, 2.0], b: [[1, 2]], c: [[[1.0]]], d: True, e: np.array([1, 2], np.float64), f: [[1.0, 2.0]],
             g: ["x", "yz"]}
    return P(fetch=outs, feed=feeds, static=[a, b, c, d, e, f, g] + [o.get_shape() for o in outs])


def test_placeholders():
    check(placeholders)


def feed_any_tensor(tf):
    """Any tensor can be fed, overriding what computes it (even a constant or a variable read)."""
    x = tf.placeholder(tf.float32, [None])
    y = x * 2.0
    z = y + 1.0
    c = tf.constant([5.0, 6.0])
    w = tf.Variable([1.0, 1.0])
    u = c * w

    def run(sess):
        return [sess.run(z, {y: [10.0, 20.0]}), sess.run(z, {x: [1.0, 2.0]}), sess.run(u, {c: [2.0, 3.0]}),
                sess.run(u, {w.value(): [3.0, 4.0]}), sess.run(u, {"Const:0": [0.5, 0.5]}),
                sess.run([y, z], {x: [1.0], y: [7.0]}), sess.run(u, {w: [2.0, 2.0]})]

    return P(run=run, static=[y, z, u, w.value()])


def test_feed_any_tensor():
    check(feed_any_tensor)


def fetch_structures(tf):
    x = tf.constant([1.0, 2.0])
    y = x * 3.0
    import collections

    Pair = collections.namedtuple("Pair", ["first", "second"])
    return P(fetch={"a": x, "b": [y, (x, {"c": y})], "p": Pair(x, y), "op": y.op, "name": "mul:0"})


def test_fetch_structures():
    check(fetch_structures)


def fetch_same_twice(tf):
    x = tf.constant(1)
    return [x, x, [x], x.op, "Const:0", "Const"]


def test_fetch_same_twice():
    check(fetch_same_twice)


def static_shapes(tf):
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    w = tf.Variable(tf.zeros([5, 5, 1, 8]))
    c = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    p = tf.nn.max_pool(c, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    c2 = tf.nn.conv2d(p, tf.zeros([3, 3, 8, 4]), [1, 2, 2, 1], "VALID")
    f = tf.reshape(c2, [-1, 6 * 6 * 4])
    m = tf.matmul(f, tf.zeros([144, 10]))
    u = tf.placeholder(tf.float32)
    v = tf.placeholder(tf.float32, [None, None])
    s = tf.reduce_sum(v, 1)
    t = tf.placeholder(tf.float32, [3, None])
    t.set_shape([None, 4])
    q = tf.placeholder(tf.float32, [None, 5])
    q2 = tf.concat([q, q], 0)
    shapes = [x.get_shape(), c.get_shape(), p.get_shape(), c2.get_shape(), f.get_shape(), m.get_shape(), u.get_shape(),
              (u + 1.0).get_shape(), s.get_shape(), t.get_shape(), q2.get_shape(), x.shape.ndims,
              x.get_shape().as_list(), m.shape[1], x.get_shape()[1:].num_elements(), x.shape.is_fully_defined(),
              tf.TensorShape([None, 3]).merge_with([2, None]), tf.TensorShape([1, 2]).concatenate([3]),
              tf.TensorShape([2, 3]).is_compatible_with([None, 3]), tf.TensorShape(None).ndims,
              tf.shape(x).get_shape(), tf.argmax(m, 1).get_shape(), tf.gather(m, [0, 1, 2]).get_shape(),
              tf.transpose(m).get_shape(), tf.expand_dims(s, 1).get_shape(), tf.tile(q, [2, 3]).get_shape(),
              tf.stack([q, q], 1).get_shape(), tf.reduce_mean(x, [1, 2], keep_dims=True).get_shape(),
              tf.one_hot(tf.placeholder(tf.int32, [None]), 7).get_shape(), tf.reshape(v, [-1]).get_shape(),
              tf.reshape(q, [-1, 10]).get_shape(), tf.reshape(q, [5, -1]).get_shape(),
              tf.pad(q, [[1, 1], [2, 2]]).get_shape(), tf.split(q, 5, 1)[0].get_shape(),
              tf.squeeze(tf.placeholder(tf.float32, [None, 1, 3])).get_shape(),
              tf.nn.conv2d(tf.placeholder(tf.float32, [None, None, None, 3]), tf.zeros([3, 3, 3, 2]), [1, 1, 1, 1],
                           "SAME").get_shape(),
              tf.strided_slice(q, [0, 1], [-1, 4], [1, 2]).get_shape()]
    return P(static=shapes)


def test_static_shapes():
    check(static_shapes)


def shape_errors_matmul(tf):
    return tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))


def shape_errors_add(tf):
    return tf.zeros([2, 3]) + tf.zeros([4, 3])


def shape_errors_reshape(tf):
    return tf.reshape(tf.zeros([2, 3]), [4, 2])


def shape_errors_concat(tf):
    return tf.concat([tf.zeros([2, 3]), tf.zeros([2, 3, 1])], 0)


def shape_errors_set_shape(tf):
    x = tf.placeholder(tf.float32, [2, 3])
    x.set_shape([3, 3])
    return x


def shape_errors_conv(tf):
    return tf.nn.conv2d(tf.zeros([1, 4, 4, 3]), tf.zeros([2, 2, 2, 1]), [1, 1, 1, 1], "SAME")


def shape_errors_feed(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    return x, {x: np.zeros((2, 4))}


def shape_errors_squeeze(tf):
    return tf.squeeze(tf.zeros([2, 3]), [0])


def shape_errors_gather_axis(tf):
    return tf.reduce_sum(tf.zeros([2, 3]), 2)


def shape_errors_slice(tf):
    return tf.zeros([2, 3])[0, 0, 0]


def shape_errors_stack(tf):
    return tf.stack([tf.zeros([2]), tf.zeros([3])])


def shape_errors_split(tf):
    return tf.split(tf.zeros([5, 2]), 2)


@pytest.mark.parametrize("prog", [shape_errors_matmul, shape_errors_add, shape_errors_reshape, shape_errors_concat,
                                  shape_errors_set_shape, shape_errors_conv, shape_errors_squeeze,
                                  shape_errors_gather_axis, shape_errors_slice, shape_errors_stack,
                                  shape_errors_split])
def test_build_time_shape_errors(prog):
    check(prog, expect="build")


def test_feed_shape_error():
    check(shape_errors_feed, expect="run")
