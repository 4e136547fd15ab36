"""Op definitions: nn (registered on import)."""
