"""Parameter initialisers: PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)), orthogonal recurrent weights, forget-gate bias.

All take a ``numpy.random.Generator`` (``np.random.default_rng(seed)``), never the global state.
"""
import numpy as np

__all__ = ["uniform_init", "orthogonal", "orthogonal_blocks", "set_forget_bias"]


def uniform_init(rng, shape, hidden_size, dtype=np.float64):
    """U(-k, k) with k = 1/sqrt(hidden_size): PyTorch's default for every RNN/LSTM/GRU weight and bias."""
    k = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-k, k, size=shape).astype(dtype)


def orthogonal(rng, n, dtype=np.float64, gain=1.0):
    """A random (n, n) orthogonal matrix Q (Q Q^T = I), Haar-distributed (QR of a Gaussian, signs fixed)."""
    a = rng.standard_normal((n, n))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the factorisation unique -> uniform over the orthogonal group
    return (gain * q).astype(dtype)


def orthogonal_blocks(rng, num_gates, hidden_size, dtype=np.float64, gain=1.0):
    """A (G*H, H) recurrent weight whose G square (H, H) gate blocks are each orthogonal."""
    return np.concatenate([orthogonal(rng, hidden_size, dtype, gain) for _ in range(num_gates)], axis=0)


def set_forget_bias(bias_ih, bias_hh, value):
    """Return copies of an LSTM's (4H,) biases with the forget block (rows H:2H) of bias_ih set to
    ``value`` and that of bias_hh set to 0, so the total forget-gate bias b_f is exactly ``value``."""
    H = bias_ih.shape[0] // 4
    bi, bh = bias_ih.copy(), bias_hh.copy()
    bi[H:2 * H] = value
    bh[H:2 * H] = 0
    return bi, bh
