"""Corpora bundled with the package (read with importlib.resources; nothing downloads)."""

__all__ = []
