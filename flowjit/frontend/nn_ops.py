"""TF1 API: nn_ops (filled in by its owner)."""

__all__: list[str] = []
