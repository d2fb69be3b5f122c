"""Heads, losses, optimisers and gradient clipping.

* ``Linear`` and ``Embedding``: the layers around a recurrent core, with ``params`` / ``grads``
  dicts (PyTorch names ``weight``, ``bias``), ``forward`` and ``backward``; ``linear_forward`` /
  ``linear_backward`` are the same computation as pure functions.
* ``softmax_cross_entropy`` (through log-sum-exp, so no overflow for any logits) and ``mse``:
  mean losses that also return the gradient with respect to their input.
* ``SGD`` (momentum), ``Adagrad`` and ``Adam``: the update rules of ``torch.optim`` exactly,
  with one state per parameter name; ``step(params, grads)`` updates the arrays of ``params``
  in place (the one documented exception to "never mutate an input").
* ``clip_grad_norm`` (global L2 norm, Pascanu et al. 2013) and ``clip_grad_value``.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "IGNORE_INDEX",
    "Linear",
    "Embedding",
    "linear_forward",
    "linear_backward",
    "softmax_cross_entropy",
    "mse",
    "accuracy",
    "SGD",
    "Adagrad",
    "Adam",
    "grad_norm",
    "clip_grad_norm",
    "clip_grad_value",
]

#: Targets equal to this value are left out of ``softmax_cross_entropy`` and ``accuracy`` (as in PyTorch).
IGNORE_INDEX = -100

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _check_dtype(dtype):
    dt = np.dtype(dtype)
    if dt not in _FLOATS:
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _float_array(name, a, dtype=None, finite=True):
    arr = np.asarray(a)
    if arr.dtype not in _FLOATS:
        raise TypeError(f"{name} must be a float32 or float64 array, got dtype {arr.dtype} with shape {arr.shape}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(
            f"{name} has dtype {arr.dtype} but the parameters are {np.dtype(dtype)} (shape {arr.shape}); "
            f"mixing dtypes is not allowed, convert with .astype(np.{np.dtype(dtype)})")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} (shape {arr.shape}) contains NaN or inf")
    return arr


def _last_dim(name, arr, size, label):
    if arr.ndim < 1 or arr.shape[-1] != size:
        raise ValueError(f"{name} must have shape (..., {label}={size}), got {arr.shape}")


# ---------------------------------------------------------------------------------------------
# Linear and Embedding
# ---------------------------------------------------------------------------------------------

def linear_forward(x, weight, bias):
    """out = x @ weight.T + bias.

    Parameters
    ----------
    x : (..., in) float array
    weight : (out, in), same dtype as x
    bias : (out,), same dtype as x

    Returns
    -------
    out : (..., out)
    cache : tuple for :func:`linear_backward`
    """
    weight = _float_array("weight", weight)
    if weight.ndim != 2:
        raise ValueError(f"weight must have shape (out, in), got {weight.shape}")
    n_out, n_in = weight.shape
    bias = _float_array("bias", bias, weight.dtype)
    if bias.shape != (n_out,):
        raise ValueError(f"bias must have shape (out={n_out},), got {bias.shape}")
    x = _float_array("x", x, weight.dtype)
    _last_dim("x", x, n_in, "in")
    out = x @ weight.T + bias
    return out, (x, weight)


def linear_backward(dout, cache):
    """Gradients of :func:`linear_forward`.

    Parameters
    ----------
    dout : (..., out) gradient of the loss with respect to ``out``
    cache : from :func:`linear_forward`

    Returns
    -------
    dx : (..., in), dweight : (out, in), dbias : (out,)
    """
    x, weight = cache
    dout = _float_array("dout", dout, weight.dtype)
    expected = x.shape[:-1] + (weight.shape[0],)
    if dout.shape != expected:
        raise ValueError(f"dout must have shape {expected} (the shape of out), got {dout.shape}")
    d2 = dout.reshape(-1, weight.shape[0])
    x2 = x.reshape(-1, weight.shape[1])
    dx = (d2 @ weight).reshape(x.shape)
    dweight = d2.T @ x2
    dbias = d2.sum(axis=0)
    return dx, dweight, dbias


class Linear:
    """Affine output head ``out = x W^T + b`` (PyTorch ``nn.Linear``).

    Parameters
    ----------
    in_features, out_features : int
    seed : int
        Initialisation as PyTorch: weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
    dtype : np.float64 (default) or np.float32

    Attributes
    ----------
    params : {"weight": (out, in), "bias": (out,)}
    grads : same keys and shapes; written by :meth:`backward`.
    """

    def __init__(self, in_features, out_features, seed=0, dtype=np.float64):
        if int(in_features) < 1 or int(out_features) < 1:
            raise ValueError(f"in_features and out_features must be >= 1, got {in_features} and {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = _check_dtype(dtype)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(self.in_features)
        self.params = {
            "weight": rng.uniform(-k, k, size=(self.out_features, self.in_features)).astype(dtype),
            "bias": rng.uniform(-k, k, size=(self.out_features,)).astype(dtype),
        }
        self.grads = {key: np.zeros_like(v) for key, v in self.params.items()}
        self._cache = None

    @property
    def dtype(self):
        return self.params["weight"].dtype

    def forward(self, x):
        """x: (..., in) -> (..., out). Remembers x for :meth:`backward`."""
        out, self._cache = linear_forward(x, self.params["weight"], self.params["bias"])
        return out

    def backward(self, dout):
        """dout: (..., out) -> dx: (..., in). Overwrites ``self.grads``."""
        if self._cache is None:
            raise ValueError("Linear.backward called before forward: no cached input x")
        dx, dw, db = linear_backward(dout, self._cache)
        self.grads = {"weight": dw, "bias": db}
        return dx

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, dtype={self.dtype})"


class Embedding:
    """Lookup table ``e = weight[idx]`` (PyTorch ``nn.Embedding``; weight ~ N(0, 1)).

    Parameters
    ----------
    num_embeddings : int   vocabulary size V
    dim : int              embedding size E
    seed : int
    dtype : np.float64 (default) or np.float32

    Attributes
    ----------
    params : {"weight": (V, E)};  grads : {"weight": (V, E)} written by :meth:`backward`.
    """

    def __init__(self, num_embeddings, dim, seed=0, dtype=np.float64):
        if int(num_embeddings) < 1 or int(dim) < 1:
            raise ValueError(f"num_embeddings and dim must be >= 1, got {num_embeddings} and {dim}")
        self.num_embeddings, self.dim = int(num_embeddings), int(dim)
        dtype = _check_dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params = {"weight": rng.standard_normal((self.num_embeddings, self.dim)).astype(dtype)}
        self.grads = {"weight": np.zeros_like(self.params["weight"])}
        self._idx = None

    @property
    def dtype(self):
        return self.params["weight"].dtype

    def forward(self, idx):
        """idx: integer array (...) with values in [0, V) -> (..., E)."""
        idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"idx must be an integer array of token ids, got dtype {idx.dtype} with shape {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise ValueError(
                f"idx values must lie in [0, {self.num_embeddings}), got min {idx.min()} and max {idx.max()} "
                f"(shape {idx.shape})")
        self._idx = idx.copy()
        return self.params["weight"][idx]

    def backward(self, de):
        """de: (..., E) gradient of the looked-up vectors. Overwrites ``self.grads``; returns None
        (integer inputs have no gradient)."""
        if self._idx is None:
            raise ValueError("Embedding.backward called before forward: no cached indices")
        de = _float_array("de", de, self.dtype)
        expected = self._idx.shape + (self.dim,)
        if de.shape != expected:
            raise ValueError(f"de must have shape {expected}, got {de.shape}")
        gw = np.zeros_like(self.params["weight"])
        np.add.at(gw, self._idx.reshape(-1), de.reshape(-1, self.dim))
        self.grads = {"weight": gw}
        return None

    def __repr__(self):
        return f"Embedding(num_embeddings={self.num_embeddings}, dim={self.dim}, dtype={self.dtype})"


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
    logits = _float_array("logits", logits)
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
        shifted = logits - logits.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    logp = shifted - lse
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
    pred = _float_array("pred", pred)
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
        if not isinstance(p, np.ndarray) or p.dtype not in _FLOATS:
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


# ---------------------------------------------------------------------------------------------
# Clipping
# ---------------------------------------------------------------------------------------------

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


def _rescale(grads, max_norm, total):
    """The clipped dict for a known global norm ``total`` (see :func:`clip_grad_norm`)."""
    if np.isfinite(total) and total > max_norm:
        out = {}
        for k, g in grads.items():
            g = np.asarray(g)
            out[k] = g * g.dtype.type(max_norm / total) if g.dtype in _FLOATS else g * (max_norm / total)
        return out
    return {k: np.array(g, copy=True) for k, g in grads.items()}


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together when their global norm exceeds ``max_norm``.

    g <- max_norm * g / ||g||  if ||g|| > max_norm  (Pascanu, Mikolov & Bengio 2013),
    where ||g|| is the L2 norm over every array of the dict at once: the direction of the update
    is kept, only its length is capped.

    Parameters
    ----------
    grads : dict name -> array
    max_norm : float > 0

    Returns
    -------
    clipped : new dict, same keys; new arrays (the input arrays are never changed)
    total_norm : float, the norm before clipping. If it is NaN or inf the gradients are returned
        unscaled (copied), so the caller can see and handle the divergence.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    total = grad_norm(grads)
    return _rescale(grads, max_norm, total), total


def clip_grad_value(grads, clip_value):
    """Clip every gradient entry to [-clip_value, clip_value]; returns a new dict of new arrays."""
    if not clip_value > 0:
        raise ValueError(f"clip_value must be > 0, got {clip_value}")
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
    return {k: np.clip(np.asarray(g), -clip_value, clip_value) for k, g in grads.items()}
