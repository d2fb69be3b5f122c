"""Numerical gradient checking by central differences and the relative error used throughout the course.

The relative error of two numbers ``a`` (analytic) and ``b`` (numerical) is

    rel(a, b) = |a - b| / max(1e-8, |a| + |b|)

taken element by element; a check reports the largest one. In float64 a correct backward pass
typically gives 1e-10 .. 1e-8 with the default step, a wrong one 1e-2 .. 1.
"""
from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "numerical_gradient", "rel_error"]

_FLOOR = 1e-8


def rel_error(a, b):
    """Largest element-wise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Parameters
    ----------
    a, b : array_like of the same shape (scalars allowed; shapes must broadcast to each other
        without changing either, i.e. be equal).

    Returns
    -------
    float
        0.0 for two empty arrays; ``inf`` if either contains NaN.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: a and b must have the same shape, got a {a.shape} and b {b.shape}")
    if a.size == 0:
        return 0.0
    if np.isnan(a).any() or np.isnan(b).any():
        return float("inf")
    # Equal entries (including equal infinities, where inf - inf would give NaN) differ by 0.
    with np.errstate(invalid="ignore"):
        diff = np.where(a == b, 0.0, np.abs(a - b))
        return float(np.max(diff / np.maximum(_FLOOR, np.abs(a) + np.abs(b))))


def _scalar(value, where):
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"gradcheck: f must return a scalar, got shape {arr.shape} ({where})")
    out = float(arr.reshape(()))
    return out


def _working_copies(inputs):
    if not isinstance(inputs, dict):
        raise TypeError(f"gradcheck: inputs must be a dict of name -> array, got {type(inputs).__name__}")
    work = {}
    for key, value in inputs.items():
        work[key] = np.array(value, copy=True) if isinstance(value, np.ndarray) else value
    return work


def _perturbable(work, name):
    if name not in work:
        raise KeyError(f"gradcheck: {name!r} is not among the inputs {sorted(work)}")
    arr = work[name]
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"gradcheck: input {name!r} must be a numpy array, got {type(arr).__name__}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"gradcheck: input {name!r} must be a float array to be perturbed, got dtype {arr.dtype}")
    return arr


def _numerical(f, work, name, eps, order):
    arr = _perturbable(work, name)
    grad = np.zeros(arr.shape, dtype=np.float64)
    flat = arr.reshape(-1)  # a view: arr is a fresh contiguous copy
    # Central stencils are antisymmetric: f' ~ sum_j c_j (f(x + j h) - f(x - j h)) / (denom h).
    # Taking each difference before weighting makes an exactly flat direction give exactly 0.
    if order == 2:
        pairs, denom_scale = ((1.0, 1.0),), 2.0
    elif order == 4:
        # f' ~ (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12 h)
        pairs, denom_scale = ((1.0, 8.0), (2.0, -1.0)), 12.0
    elif order == 6:
        # f' ~ (45 (f(x+h) - f(x-h)) - 9 (f(x+2h) - f(x-2h)) + (f(x+3h) - f(x-3h))) / (60 h)
        pairs, denom_scale = ((1.0, 45.0), (2.0, -9.0), (3.0, 1.0)), 60.0
    else:
        raise ValueError(f"gradcheck: order must be 2, 4 or 6, got {order!r}")
    for k in range(flat.size):
        old = flat[k]
        # Use the step actually representable in the array's dtype, so x + h - (x - h) is exact.
        xp = flat.dtype.type(old + eps)
        xm = flat.dtype.type(old - eps)
        h = (float(xp) - float(xm)) / 2.0
        if h == 0.0:
            raise ValueError(f"gradcheck: eps={eps} is below the resolution of {name!r} ({arr.dtype}) at {old}")
        total = 0.0
        for j, c in pairs:
            flat[k] = flat.dtype.type(float(old) + j * h)
            f_plus = _scalar(f(**work), f"{name}[{k}]")
            flat[k] = flat.dtype.type(float(old) - j * h)
            f_minus = _scalar(f(**work), f"{name}[{k}]")
            total += c * (f_plus - f_minus)
        flat[k] = old
        grad.reshape(-1)[k] = total / (denom_scale * h)
    return grad


def numerical_gradient(f, inputs, name, eps=1e-6, order=2):
    """Central-difference gradient of the scalar ``f(**inputs)`` with respect to ``inputs[name]``.

    Parameters
    ----------
    f : callable
        ``f(**inputs)`` returns a scalar (Python float or an array of size 1).
    inputs : dict
        Keyword arguments of ``f``. Arrays are copied first; the caller's arrays are never changed.
    name : str
        Which input to differentiate; must be a float array of any shape S.
    eps : float
        Step h. The estimate is ``(f(x + h e_k) - f(x - h e_k)) / (2 h)`` for every element k.
    order : {2, 4, 6}
        2: the two-point central difference above (error O(h^2)); 4 and 6: the four- and
        six-point central differences (error O(h^4), O(h^6)), which allow a larger ``eps`` and so
        less round-off. Round-off limits the two-point rule in float64 to an absolute error of
        about 1e-16 |f| / h ~ 1e-10: enough for gradient entries of ordinary size, too coarse to
        give a small relative error on entries near 1e-6.

    Returns
    -------
    ndarray of shape S, float64.
    """
    work = _working_copies(inputs)
    return _numerical(f, work, name, eps, order)


def gradcheck(f, inputs, analytic, eps=1e-6, order=2):
    """Compare analytic gradients with central differences, input by input.

    Parameters
    ----------
    f : callable
        ``f(**inputs)`` returns a scalar.
    inputs : dict
        name -> array (other values are passed through unchanged). Never mutated: the check
        perturbs private copies.
    analytic : dict
        name -> gradient array of the same shape as ``inputs[name]``; only these names are checked.
    eps : float
        Finite-difference step.
    order : {2, 4, 6}
        Stencil of the central difference (see :func:`numerical_gradient`).

    Returns
    -------
    dict
        name -> max over elements of ``|a - b| / max(1e-8, |a| + |b|)`` (a analytic, b numerical).
    """
    if not isinstance(analytic, dict):
        raise TypeError(f"gradcheck: analytic must be a dict of name -> array, got {type(analytic).__name__}")
    work = _working_copies(inputs)
    errors = {}
    for name, grad in analytic.items():
        arr = _perturbable(work, name)
        grad = np.asarray(grad)
        if grad.shape != arr.shape:
            raise ValueError(
                f"gradcheck: analytic[{name!r}] must have the shape of inputs[{name!r}] {arr.shape}, got {grad.shape}"
            )
        num = _numerical(f, work, name, eps, order)
        errors[name] = rel_error(grad, num)
    return errors
