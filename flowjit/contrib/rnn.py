"""`tf.contrib.rnn`: the cells of tf.nn.rnn_cell and the rnn functions, as TF1 exposed them."""

from ..frontend.layers.rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper,  # noqa: F401
                                             GRUCell, LayerRNNCell, LSTMCell, LSTMStateTuple, MultiRNNCell,
                                             ResidualWrapper, RNNCell)
from ..frontend.ops.rnn import static_bidirectional_rnn, static_rnn  # noqa: F401

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LayerRNNCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "ResidualWrapper", "RNNCell", "static_rnn", "static_bidirectional_rnn"]
