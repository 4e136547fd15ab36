"""TF1 API: init_ops (filled in by its owner)."""

__all__: list[str] = []
