"""Gradient-flow tools: Jacobian products of recurrent maps, singular values, Pascanu's one-unit cliff model.

A simple recurrent network ``h_k = phi(a_k)``, ``a_k = W h_{k-1} + u_k`` (``u_k = U x_k + b`` is the
input drive) has the step Jacobian

    dh_k / dh_{k-1} = diag(phi'(a_k)) W,

so the gradient that travels from step T back to step t is multiplied by the product

    dh_T / dh_t = prod_{k=T}^{t+1} diag(phi'(a_k)) W.

``phi'`` is written through the output ``h_k``: ``1 - h_k**2`` for tanh (at most gamma = 1),
``h_k (1 - h_k)`` for the logistic sigmoid (at most gamma = 1/4), ``1[h_k > 0]`` for ReLU.
Pascanu, Mikolov & Bengio (2013): if the largest singular value of W is below 1/gamma, the product
shrinks at least geometrically (``||dh_T/dh_t|| <= (gamma * sigma_1(W))**(T-t)``).

Everything here is vectorised over a batch axis (products) or over a grid (the cliff model).
"""
import numpy as np

from ..core._validate import float_array
from ..core.activations import sigmoid as _sigmoid

__all__ = [
    "GAMMA",
    "activation_derivative",
    "recurrent_states",
    "step_jacobians",
    "jacobian_products",
    "jacobian_norms",
    "singular_values",
    "spectral_norm",
    "scale_spectral_norm",
    "vanishing_bound",
    "cliff_forward",
    "cliff_loss_and_grad",
    "cliff_grid",
]

#: Upper bound of the derivative of each nonlinearity (Pascanu et al. 2013, section 3).
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "relu": 1.0}


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in GAMMA:
        raise ValueError(f"nonlinearity must be one of {sorted(GAMMA)}, got {nonlinearity!r}")


def _as_float_array(name, a):
    """``a`` as a finite float array; integers are converted to float64 (the package's checker)."""
    a = np.asarray(a)
    return float_array(name, a if a.dtype.kind == "f" else a.astype(np.float64))


def _check_square(name, W):
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must have shape (H, H) (a square matrix), got {W.shape}")


def _weights_and_states(W_hh, name, states):
    """W_hh (H, H) and a (T, B, H) array of states, checked; returns them as float arrays and H."""
    W_hh = _as_float_array("W_hh", W_hh)
    _check_square("W_hh", W_hh)
    states = _as_float_array(name, states)
    H = W_hh.shape[0]
    if states.ndim != 3 or states.shape[2] != H:
        raise ValueError(f"{name} must have shape (T, B, H={H}), got {states.shape}")
    return W_hh, states, H


def activation_derivative(h, nonlinearity="tanh"):
    """phi'(a) written through the output h = phi(a), elementwise.

    h: any shape. Returns an array of the same shape and dtype:
    ``1 - h**2`` (tanh), ``h * (1 - h)`` (sigmoid), ``1.0 * (h > 0)`` (relu).
    """
    _check_nonlinearity(nonlinearity)
    h = _as_float_array("h", h)
    if nonlinearity == "tanh":
        return 1.0 - h * h
    if nonlinearity == "sigmoid":
        return h * (1.0 - h)
    return (h > 0).astype(h.dtype)


def recurrent_states(W_hh, drive, h0=None, nonlinearity="tanh"):
    """Run h_k = phi(W_hh h_{k-1} + drive_k) for k = 1..T.

    W_hh: (H, H). drive: (T, B, H), the input part ``U x_k + b`` of each step. h0: (B, H) or None
    (zeros). Returns hs: (T, B, H) with hs[k-1] = h_k. Row-vector convention inside:
    ``a = h @ W_hh.T + drive_k``, the same as PyTorch's ``weight_hh``.
    """
    _check_nonlinearity(nonlinearity)
    W_hh, drive, H = _weights_and_states(W_hh, "drive", drive)
    T, B, _ = drive.shape
    if h0 is None:
        h = np.zeros((B, H), dtype=W_hh.dtype)
    else:
        h = _as_float_array("h0", h0)
        if h.shape != (B, H):
            raise ValueError(f"h0 must have shape (B={B}, H={H}), got {h.shape}")
    phi = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda a: np.maximum(a, 0.0)}[nonlinearity]
    hs = np.empty((T, B, H), dtype=np.result_type(W_hh, drive, h))
    for k in range(T):
        h = phi(h @ W_hh.T + drive[k])
        hs[k] = h
    return hs


def step_jacobians(hs, W_hh, nonlinearity="tanh"):
    """Per-step Jacobians J_k = dh_k/dh_{k-1} = diag(phi'(a_k)) W_hh.

    hs: (T, B, H), the states h_1..h_T. W_hh: (H, H). Returns J: (T, B, H, H) with J[k-1] = dh_k/dh_{k-1}.
    """
    W_hh, hs, H = _weights_and_states(W_hh, "hs", hs)
    d = activation_derivative(hs, nonlinearity)          # (T, B, H)
    return d[..., :, None] * W_hh[None, None, :, :]      # row i of W scaled by phi'(a_i)


def jacobian_products(hs, W_hh, nonlinearity="tanh"):
    """All products dh_T/dh_{T-s} for s = 0..T.

    hs: (T, B, H), the states h_1..h_T (h_0 is not needed: J_1 uses h_1). W_hh: (H, H).
    Returns P: (T + 1, B, H, H) with P[0] = I and P[s] = J_T J_{T-1} ... J_{T-s+1} = dh_T/dh_{T-s}.
    """
    J = step_jacobians(hs, W_hh, nonlinearity)
    T, B, H, _ = J.shape
    P = np.empty((T + 1, B, H, H), dtype=J.dtype)
    P[0] = np.eye(H, dtype=J.dtype)
    for s in range(1, T + 1):
        P[s] = P[s - 1] @ J[T - s]
    return P


def singular_values(M):
    """Singular values, largest first. M: (..., m, n). Returns (..., min(m, n))."""
    M = _as_float_array("M", M)
    if M.ndim < 2:
        raise ValueError(f"M must have shape (..., m, n), got {M.shape}")
    return np.linalg.svd(M, compute_uv=False)


def spectral_norm(M):
    """Largest singular value sigma_1 = ||M||_2. M: (..., m, n). Returns (...)."""
    return singular_values(M)[..., 0]


def jacobian_norms(hs, W_hh, nonlinearity="tanh"):
    """Spectral norms ||dh_T/dh_{T-s}||_2 for s = 0..T. hs: (T, B, H). Returns (T + 1, B)."""
    return spectral_norm(jacobian_products(hs, W_hh, nonlinearity))


def scale_spectral_norm(W, target):
    """Return a copy of W rescaled so that its largest singular value equals target. W: (m, n)."""
    W = _as_float_array("W", W)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (m, n), got {W.shape}")
    s1 = spectral_norm(W)
    if s1 == 0:
        raise ValueError("W: the zero matrix cannot be rescaled")
    return W * (target / s1)


def vanishing_bound(W_hh, nonlinearity="tanh"):
    """gamma * sigma_1(W_hh): the per-step factor of the bound ||dh_T/dh_t|| <= (gamma sigma_1)^(T-t)."""
    _check_nonlinearity(nonlinearity)
    W_hh = _as_float_array("W_hh", W_hh)
    _check_square("W_hh", W_hh)
    return GAMMA[nonlinearity] * float(spectral_norm(W_hh))


# --- Pascanu, Mikolov & Bengio (2013), section 3.3: a single-unit recurrent network --------------

def cliff_forward(w, b, T=50, x0=0.5):
    """x_t = w * sigmoid(x_{t-1}) + b for t = 1..T, from x_0 = x0.

    w, b: scalars or arrays that broadcast together (e.g. a (n_b, n_w) grid). Returns x_T with the
    broadcast shape.
    """
    w = _as_float_array("w", w)
    b = _as_float_array("b", b)
    x = np.full(np.broadcast_shapes(w.shape, b.shape), x0, dtype=np.result_type(w, b))
    for _ in range(T):
        x = w * _sigmoid(x) + b
    return x


def cliff_loss_and_grad(w, b, T=50, x0=0.5, target=0.7):
    """E = (sigmoid(x_T) - target)^2 and its exact gradient (dE/dw, dE/db).

    Forward-mode differentiation through the recursion (exact, no finite differences):
        dx_t/dw = sigmoid(x_{t-1}) + w sigmoid'(x_{t-1}) dx_{t-1}/dw
        dx_t/db = 1                + w sigmoid'(x_{t-1}) dx_{t-1}/db
    w, b: broadcastable arrays or scalars. Returns (E, dE_dw, dE_db), each of the broadcast shape.
    """
    w = _as_float_array("w", w)
    b = _as_float_array("b", b)
    shape = np.broadcast_shapes(w.shape, b.shape)
    dtype = np.result_type(w, b)
    x = np.full(shape, x0, dtype=dtype)
    dx_dw = np.zeros(shape, dtype=dtype)
    dx_db = np.zeros(shape, dtype=dtype)
    for _ in range(T):
        s = _sigmoid(x)
        ds = s * (1.0 - s)
        dx_dw, dx_db = s + w * ds * dx_dw, 1.0 + w * ds * dx_db
        x = w * s + b
    y = _sigmoid(x)
    err = y - target
    dE_dx = 2.0 * err * y * (1.0 - y)
    return err * err, dE_dx * dx_dw, dE_dx * dx_db


def cliff_grid(w_values, b_values, T=50, x0=0.5, target=0.7):
    """Evaluate the cliff model on the grid w_values x b_values.

    w_values: (n_w,), b_values: (n_b,). Returns a dict of (n_b, n_w) arrays (rows follow b, columns
    follow w, ready for ``imshow``/``contourf``): "w", "b", "E", "dE_dw", "dE_db", "grad_norm".
    """
    w_values = _as_float_array("w_values", w_values)
    b_values = _as_float_array("b_values", b_values)
    if w_values.ndim != 1 or b_values.ndim != 1:
        raise ValueError(f"w_values and b_values must have shape (n,), got {w_values.shape} and {b_values.shape}")
    Wg, Bg = np.meshgrid(w_values, b_values)
    E, gw, gb = cliff_loss_and_grad(Wg, Bg, T=T, x0=x0, target=target)
    return {"w": Wg, "b": Bg, "E": E, "dE_dw": gw, "dE_db": gb, "grad_norm": np.hypot(gw, gb)}
