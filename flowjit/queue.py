"""`tf.queue`: the queue classes under their TF 1.14+ spelling (tf.queue.FIFOQueue, ...)."""

from .frontend.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, PriorityQueue, QueueBase,  # noqa: F401
                                         RandomShuffleQueue)

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue"]
