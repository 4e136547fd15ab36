"""Op definitions: array (registered on import)."""
