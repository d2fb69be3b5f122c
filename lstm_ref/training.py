"""Heads, losses, optimisers and gradient clipping."""

__all__ = []
