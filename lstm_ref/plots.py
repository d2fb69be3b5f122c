"""Figure helpers shared by more than one chapter."""

__all__ = []
