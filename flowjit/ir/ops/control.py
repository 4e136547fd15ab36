"""Op definitions: control (registered on import)."""
