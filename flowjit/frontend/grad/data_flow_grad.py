"""Queue, reader and counter ops have no gradient (TF registers them NotDifferentiable or none)."""

from .gradients import NotDifferentiable

for _op in ("FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2", "PriorityQueueV2", "QueueEnqueueV2",
            "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2", "QueueCloseV2",
            "QueueSizeV2", "QueueIsClosedV2", "TextLineReaderV2", "FixedLengthRecordReaderV2", "TFRecordReaderV2",
            "WholeFileReaderV2", "ReaderReadV2", "ReaderReadUpToV2", "ReaderNumRecordsProducedV2",
            "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2", "CountUpTo"):
    NotDifferentiable(_op)
