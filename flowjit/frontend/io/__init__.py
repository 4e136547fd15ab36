"""File formats seen from Python: TFRecord writing and iteration (TF's python/lib/io)."""
