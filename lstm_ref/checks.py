"""Numerical gradient checking by central differences and the relative error used throughout the course."""

__all__ = []
