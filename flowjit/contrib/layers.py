"""`tf.contrib.layers` (filled in by its owner)."""
