"""Saving and loading parameter dictionaries as .npz files (no pickle)."""

__all__ = []
