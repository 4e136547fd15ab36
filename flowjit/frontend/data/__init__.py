"""tf.data (TF1 graph mode): datasets (dataset_ops.py), file datasets (readers.py) and
iterators (iterator_ops.py); the running pipeline is flowjit/runtime/host/datasets.py."""
