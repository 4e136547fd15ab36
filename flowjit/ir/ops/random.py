"""Op definitions: random (registered on import)."""
