"""Mean losses that also return the gradient with respect to their input.

``softmax_cross_entropy`` goes through log-sum-exp, so it is finite for any finite logits; ``mse``;
``accuracy``. Targets equal to ``IGNORE_INDEX`` are left out, as in PyTorch.
"""
import numpy as np

from ..core._validate import float_array
from ..core.activations import log_softmax

__all__ = ["IGNORE_INDEX", "softmax_cross_entropy", "mse", "accuracy"]

#: Targets equal to this value are left out of ``softmax_cross_entropy`` and ``accuracy`` (as in PyTorch).
IGNORE_INDEX = -100


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------

def _weights(mask, shape, dtype):
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.shape != shape:
        raise ValueError(f"mask must have shape {shape}, got {m.shape}")
    if m.dtype.kind not in "biuf":
        raise TypeError(f"mask must be a bool or numeric array, got dtype {m.dtype}")
    return m.astype(dtype)


def softmax_cross_entropy(logits, targets, mask=None, ignore_index=IGNORE_INDEX):
    """Mean cross-entropy of softmax(logits) against integer class targets, and its gradient.

    loss = -mean_n log softmax(logits_n)[targets_n], computed as logits - logsumexp(logits)
    with the maximum subtracted first, so it is finite for any finite logits.

    Parameters
    ----------
    logits : (..., K) float array
    targets : (...) integer array with values in [0, K); entries equal to ``ignore_index``
        (default -100, as in PyTorch) are left out of the mean.
    mask : optional (...) bool/float array; positions with mask 0 are left out, other values
        weight the positions (the mean divides by the sum of the weights).

    Returns
    -------
    loss : float
    dlogits : (..., K), same dtype as logits: (softmax - onehot) * weight / sum(weights).
    """
    logits = float_array("logits", logits)
    if logits.ndim < 1:
        raise ValueError(f"logits must have shape (..., K), got {logits.shape}")
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise TypeError(f"targets must be an integer array of class ids, got dtype {targets.dtype}")
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets must have shape {logits.shape[:-1]} (logits without the class axis), got {targets.shape}")
    K = logits.shape[-1]
    valid = targets != ignore_index
    bad = valid & ((targets < 0) | (targets >= K))
    if bad.any():
        raise ValueError(f"targets must lie in [0, {K}) or equal ignore_index={ignore_index}, "
                         f"got {targets[bad].reshape(-1)[0]}")
    w = valid.astype(np.float64)
    m = _weights(mask, targets.shape, np.float64)
    if m is not None:
        w = w * m
    total = w.sum()
    if total <= 0:
        raise ValueError("softmax_cross_entropy: no position has a target (all ignored or masked)")
    with np.errstate(over="ignore"):  # max - (-huge) may round to inf: exp(-inf) = 0 is right
        logp = log_softmax(logits)
    safe_t = np.where(valid, targets, 0)
    picked = np.take_along_axis(logp, safe_t[..., None], axis=-1)[..., 0]
    loss = float(-(picked.astype(np.float64) * w).sum() / total)
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, safe_t[..., None],
                      np.take_along_axis(dlogits, safe_t[..., None], axis=-1) - 1.0, axis=-1)
    dlogits *= (w / total).astype(logits.dtype)[..., None]
    return loss, dlogits.astype(logits.dtype, copy=False)


def mse(pred, target, mask=None):
    """Mean squared error over all entries, and its gradient.

    Parameters
    ----------
    pred, target : float arrays of the same shape S (target may be any float dtype; it is cast to pred's)
    mask : optional array of shape S; weights each entry (0 leaves it out), mean over the weight sum.

    Returns
    -------
    loss : float  = mean((pred - target)^2)
    dpred : array of shape S, pred's dtype  = 2 (pred - target) / N
    """
    pred = float_array("pred", pred)
    target = np.asarray(target)
    if target.dtype.kind not in "biuf":
        raise TypeError(f"target must be a numeric array, got dtype {target.dtype}")
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, got {target.shape}")
    diff = pred - target.astype(pred.dtype)
    m = _weights(mask, pred.shape, pred.dtype)
    if m is None:
        n = diff.size
        if n == 0:
            raise ValueError("mse of empty arrays")
        loss = float(np.sum(diff.astype(np.float64) ** 2) / n)
        return loss, (2.0 / n) * diff
    total = float(m.sum())
    if total <= 0:
        raise ValueError("mse: the mask leaves no entry")
    loss = float(np.sum(m.astype(np.float64) * diff.astype(np.float64) ** 2) / total)
    return loss, (2.0 / total) * m * diff


def accuracy(logits, targets, ignore_index=IGNORE_INDEX):
    """Fraction of positions where argmax(logits, -1) == targets, ignoring ``ignore_index`` targets.

    logits : (..., K); targets : (...) integers. Returns a float in [0, 1].
    """
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets must have shape {logits.shape[:-1]}, got {targets.shape}")
    valid = targets != ignore_index
    if not valid.any():
        raise ValueError("accuracy: no position has a target")
    return float(np.mean(logits.argmax(axis=-1)[valid] == targets[valid]))
