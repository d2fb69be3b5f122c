"""Gradient clipping: ``clip_grad_norm`` (global L2 norm, Pascanu et al. 2013) and ``clip_grad_value``."""
import numpy as np

from ..core._validate import FLOAT_DTYPES

__all__ = ["grad_norm", "clip_grad_norm", "clip_grad_value"]


def grad_norm(grads):
    """Global L2 norm sqrt(sum over all arrays of sum g^2) of a dict of gradients, as a float.

    Computed in float64; if the plain sum of squares overflows, again with the largest magnitude
    factored out, so huge (but finite) gradients get a finite norm. NaN or inf anywhere gives a
    non-finite norm (NaN if any NaN, else inf).
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in grads.values()]
    with np.errstate(over="ignore", invalid="ignore"):
        total = sum(float(np.dot(a, a)) for a in arrays)
    if np.isfinite(total):
        return float(np.sqrt(total))
    if any(np.isnan(a).any() for a in arrays):
        return float("nan")
    if any(np.isinf(a).any() for a in arrays):
        return float("inf")
    scale = max(float(np.max(np.abs(a))) for a in arrays if a.size)
    return float(scale * np.sqrt(sum(float(np.dot(a / scale, a / scale)) for a in arrays)))


def clip_grad_norm(grads, max_norm, norm=None):
    """Rescale all gradients together when their global norm exceeds ``max_norm``.

    g <- max_norm * g / ||g||  if ||g|| > max_norm  (Pascanu, Mikolov & Bengio 2013),
    where ||g|| is the L2 norm over every array of the dict at once: the direction of the update
    is kept, only its length is capped.

    Parameters
    ----------
    grads : dict name -> array
    max_norm : float > 0
    norm : None or float, the global norm of ``grads`` when the caller has it already
        (``grad_norm(grads)``); None computes it.

    Returns
    -------
    clipped : new dict, same keys; new arrays (the input arrays are never changed)
    total_norm : float, the norm before clipping. If it is NaN or inf the gradients are returned
        unscaled (copied), so the caller can see and handle the divergence.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    total = grad_norm(grads) if norm is None else float(norm)
    if np.isfinite(total) and total > max_norm:
        out = {}
        for k, g in grads.items():
            g = np.asarray(g)
            out[k] = g * g.dtype.type(max_norm / total) if g.dtype in FLOAT_DTYPES else g * (max_norm / total)
        return out, total
    return {k: np.array(g, copy=True) for k, g in grads.items()}, total


def clip_grad_value(grads, clip_value):
    """Clip every gradient entry to [-clip_value, clip_value]; returns a new dict of new arrays."""
    if not clip_value > 0:
        raise ValueError(f"clip_value must be > 0, got {clip_value}")
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
    return {k: np.clip(np.asarray(g), -clip_value, clip_value) for k, g in grads.items()}
