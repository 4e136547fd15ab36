"""TF1 API: math_ops (filled in by its owner)."""

__all__: list[str] = []
