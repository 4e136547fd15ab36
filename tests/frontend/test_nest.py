"""tf.nest: flatten / pack_sequence_as / map_structure / assert_same_structure over lists,
tuples, namedtuples and dicts, by hand and against real TensorFlow."""

import collections

import pytest

import flowjit as tf

Pair = collections.namedtuple("Pair", ["a", "b"])
NESTS = [1, [1, 2], (1, (2, 3)), {"b": 1, "a": [2, 3]}, Pair(1, Pair(2, [3, 4])), [], {"x": (), "y": 5}]


def test_flatten_and_pack_by_hand():
    s = {"b": 1, "a": [2, (3, 4)]}
    assert tf.nest.flatten(s) == [2, 3, 4, 1]  # dict keys sorted
    back = tf.nest.pack_sequence_as(s, [20, 30, 40, 10])
    assert back == {"b": 10, "a": [20, (30, 40)]}
    p = tf.nest.pack_sequence_as(Pair(0, [0, 0]), "xyz")
    assert isinstance(p, Pair) and p == Pair("x", ["y", "z"])
    assert tf.nest.pack_sequence_as(7, [8]) == 8
    assert tf.nest.is_nested([1]) and not tf.nest.is_nested("ab") and tf.nest.is_sequence((1,))
    with pytest.raises(ValueError, match="Structure had 2 elements, but flat_sequence had 3"):
        tf.nest.pack_sequence_as([0, 0], [1, 2, 3])


def test_map_structure_and_same_structure():
    got = tf.nest.map_structure(lambda x, y: x + y, Pair(1, [2, 3]), Pair(10, [20, 30]))
    assert got == Pair(11, [22, 33])
    with pytest.raises(ValueError, match="same nested structure"):
        tf.nest.assert_same_structure([1, 2], [1, [2, 3]])
    with pytest.raises(TypeError, match="same sequence type"):
        tf.nest.assert_same_structure([1, 2], (1, 2))
    tf.nest.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(ValueError, match="Only valid keyword arguments"):
        tf.nest.map_structure(lambda x: x, [1], bogus=True)
    # the state of an LSTM cell is a namedtuple nest
    with tf.Graph().as_default():
        state = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(2)] * 2).zero_state(3, tf.float32)
        assert len(tf.nest.flatten(state)) == 4
        assert tf.nest.map_structure(lambda t: t.shape.as_list(), state)[1].h == [3, 2]


@pytest.mark.tf
@pytest.mark.parametrize("nest", NESTS)
def test_against_tensorflow(nest):
    real = pytest.importorskip("tensorflow").nest
    assert tf.nest.flatten(nest) == real.flatten(nest)
    leaves = [f"v{i}" for i in range(len(real.flatten(nest)))]
    assert tf.nest.pack_sequence_as(nest, leaves) == real.pack_sequence_as(nest, leaves)
    assert tf.nest.map_structure(lambda x: x * 2, nest) == real.map_structure(lambda x: x * 2, nest)
