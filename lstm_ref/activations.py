"""Numerically stable activations (sigmoid, tanh, softmax, log-softmax) and their derivatives."""

__all__ = []
