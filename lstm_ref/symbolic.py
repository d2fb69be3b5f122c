"""SymPy helpers for the derivation chapters: a gate-level sigmoid whose derivative is sigma (1 - sigma)."""

__all__ = []
