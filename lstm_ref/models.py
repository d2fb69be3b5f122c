"""A recurrent layer with an output head, and a small training loop used by the experiment chapters."""

__all__ = []
