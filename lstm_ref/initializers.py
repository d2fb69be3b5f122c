"""Parameter initialisers: PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)), orthogonal recurrent weights, forget-gate bias."""

__all__ = []
