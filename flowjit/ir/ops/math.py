"""Op definitions: math (registered on import)."""
