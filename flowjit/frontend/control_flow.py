"""TF1 API: control_flow (filled in by its owner)."""

__all__: list[str] = []
