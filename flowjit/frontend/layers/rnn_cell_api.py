"""The `tf.nn.rnn_cell` namespace: TF1's cell classes (implemented in rnn_cell_impl.py)."""

from .rnn_cell_impl import (BasicLSTMCell, BasicRNNCell, DeviceWrapper, DropoutWrapper, GRUCell,  # noqa: F401
                            LSTMCell, LSTMStateTuple, MultiRNNCell, ResidualWrapper, RNNCell)

__all__ = ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "ResidualWrapper", "RNNCell"]
