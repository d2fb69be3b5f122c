"""Optimisers with the update rules of ``torch.optim`` exactly: ``SGD`` (momentum), ``Adagrad``, ``Adam``.

One state per parameter name; ``step(params, grads)`` updates the arrays of ``params`` in place (the
one documented exception to "never mutate an input").
"""
import numpy as np

from ..core._validate import FLOAT_DTYPES

__all__ = ["SGD", "Adagrad", "Adam"]


# ---------------------------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------------------------

def _check_pairs(params, grads):
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError("params and grads must be dicts of name -> array")
    for name, g in grads.items():
        if name not in params:
            raise ValueError(f"grads has key {name!r} that is not in params (keys {sorted(params)})")
        p = params[name]
        if not isinstance(p, np.ndarray) or p.dtype not in FLOAT_DTYPES:
            raise TypeError(f"params[{name!r}] must be a float32 or float64 numpy array")
        g = np.asarray(g)
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}] must have shape {p.shape} (the parameter's), got {g.shape}")
        if g.dtype != p.dtype:
            raise TypeError(f"grads[{name!r}] has dtype {g.dtype} but params[{name!r}] is {p.dtype}; "
                            "mixing dtypes is not allowed")


class _Optimizer:
    def __init__(self, lr):
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        self.lr = float(lr)
        self.state = {}

    def reset(self):
        """Forget all state (momentum buffers, accumulators, step counts)."""
        self.state = {}

    def step(self, params, grads):
        """Update ``params[name]`` in place for every name in ``grads`` (parameters without a
        gradient are left alone). params, grads: dicts name -> arrays of equal shape and dtype."""
        _check_pairs(params, grads)
        for name, g in grads.items():
            self._update(name, params[name], np.asarray(g))

    def _update(self, name, p, g):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(_Optimizer):
    """Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``'s rule).

    v <- momentum * v + g   (v = g at the first step);   p <- p - lr * v
    """

    def __init__(self, lr=0.1, momentum=0.0):
        super().__init__(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)

    def _update(self, name, p, g):
        if self.momentum == 0.0:
            p -= p.dtype.type(self.lr) * g
            return
        v = self.state.get(name)
        if v is None:
            v = g.copy()
        else:
            v *= p.dtype.type(self.momentum)
            v += g
        self.state[name] = v
        p -= p.dtype.type(self.lr) * v

    def __repr__(self):
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adagrad(_Optimizer):
    """Adagrad (Duchi et al. 2011; ``torch.optim.Adagrad``'s rule).

    s <- s + g^2;   p <- p - lr * g / (sqrt(s) + eps)
    """

    def __init__(self, lr=0.1, eps=1e-10):
        super().__init__(lr)
        self.eps = float(eps)

    def _update(self, name, p, g):
        s = self.state.get(name)
        if s is None:
            s = np.zeros_like(p)
        s += g * g
        self.state[name] = s
        p -= p.dtype.type(self.lr) * g / (np.sqrt(s) + p.dtype.type(self.eps))

    def __repr__(self):
        return f"Adagrad(lr={self.lr}, eps={self.eps})"


class Adam(_Optimizer):
    """Adam (Kingma & Ba 2015; ``torch.optim.Adam``'s rule), one step count per parameter.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)

    def _update(self, name, p, g):
        b1, b2 = self.betas
        st = self.state.get(name)
        if st is None:
            st = {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)}
            self.state[name] = st
        st["t"] += 1
        t = st["t"]
        m, v = st["m"], st["v"]
        m *= p.dtype.type(b1)
        m += p.dtype.type(1 - b1) * g
        v *= p.dtype.type(b2)
        v += p.dtype.type(1 - b2) * (g * g)
        bc1 = 1 - b1**t
        bc2 = 1 - b2**t
        denom = np.sqrt(v) / p.dtype.type(np.sqrt(bc2)) + p.dtype.type(self.eps)
        p -= p.dtype.type(self.lr / bc1) * m / denom

    def __repr__(self):
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
