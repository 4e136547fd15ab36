"""Layers: `tf.layers` (layers.py), `tf.losses` (losses.py) and `tf.contrib.layers` (contrib.py)."""
