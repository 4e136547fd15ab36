"""Graph-to-graph passes and the pass manager."""

from .prune import prune

__all__ = ["prune"]
