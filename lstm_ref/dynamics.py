"""Gradient-flow tools: Jacobian products of recurrent maps, singular values, Pascanu's one-unit cliff model."""

__all__ = []
