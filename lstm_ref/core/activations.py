"""Numerically stable activations (sigmoid, tanh, softmax, log-softmax) and their derivatives.

Every function takes an array of any shape and returns a new array of the same shape and dtype
(integer input is promoted to float64). Nothing is computed in place on the caller's array.
"""
import numpy as np

__all__ = ["sigmoid", "tanh", "relu", "softmax", "log_softmax", "dsigmoid", "dtanh"]


def _as_float(x):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), stable for large |x|.

    Uses exp(-|x|), which never overflows: for x >= 0 it is 1 / (1 + e), for x < 0 it is e / (1 + e),
    where e = exp(-|x|). Shape (...) -> (...).
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def tanh(x):
    """Hyperbolic tangent. Shape (...) -> (...)."""
    return np.tanh(_as_float(x))


def relu(x):
    """max(x, 0). Shape (...) -> (...)."""
    x = _as_float(x)
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def dsigmoid(s):
    """Derivative of the sigmoid written with its output s = sigmoid(x): s (1 - s)."""
    s = _as_float(s)
    return s * (1 - s)


def dtanh(t):
    """Derivative of tanh written with its output t = tanh(x): 1 - t**2."""
    t = _as_float(t)
    return 1 - t * t


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``; the max is subtracted first so exp never overflows."""
    x = _as_float(x)
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """log(softmax(x)) computed as (x - m) - log(sum(exp(x - m))) with m = max(x) (log-sum-exp)."""
    x = _as_float(x)
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
