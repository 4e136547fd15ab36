"""TF1 API: array_ops (filled in by its owner)."""

__all__: list[str] = []
