"""`tf.layers` (filled in by its owner)."""
