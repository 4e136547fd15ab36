"""Layers: `tf.layers` by family as in TF (base.py: Layer; core.py: Dense, Flatten, Dropout;
convolutional.py, pooling.py, normalization.py), `tf.losses` (losses.py) and
`tf.contrib.layers` (contrib.py)."""
