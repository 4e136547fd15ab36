"""TF1 API: random_ops (filled in by its owner)."""

__all__: list[str] = []
