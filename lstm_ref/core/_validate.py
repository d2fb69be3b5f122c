"""Input checks shared by the public entry points: shapes, dtypes, finiteness, with messages that name the argument and the expected and actual shape.

Conventions of the messages::

    x must have shape (T, B, I=3), got (5, 2, 4)
    x must be a float32 or float64 array of shape (T, B, I=3), got dtype int64 with shape (5, 2, 3)
    h0 has dtype float32 but the parameters are float64 (expected shape (L*D=1, B=2, H=4), got (1, 2, 4)) ...
"""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def describe(shape, labels=None):
    """Format an expected shape: ints are fixed sizes, None is free. labels name each axis.

    describe((None, 2, 3), ("T", "B", "I")) -> "(T, B=2, I=3)".
    """
    parts = []
    for k, s in enumerate(shape):
        lab = labels[k] if labels else None
        if s is None:
            parts.append(lab if lab else "*")
        else:
            parts.append(f"{lab}={s}" if lab else str(s))
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def check_dtype(dtype):
    """Return np.dtype(dtype) if it is float32 or float64, else raise TypeError."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dt}")
    return dt


def as_array(name, a, shape, labels=None, dtype=None, finite=True):
    """Validate ``a`` and return it as an ndarray (never a copy of an ndarray, never modified).

    shape:  expected shape, a tuple of ints (fixed) or None (any size).
    labels: axis names for the messages, e.g. ("T", "B", "I").
    dtype:  required dtype (the parameters'); None accepts float32 or float64.
    finite: reject NaN and inf.
    Raises TypeError for non-float or mismatched dtypes, ValueError for wrong shapes or non-finite values;
    every message names the argument, the expected shape and the actual one.
    """
    expected = describe(shape, labels)
    try:
        arr = np.asarray(a)
    except Exception as e:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be an array of shape {expected}, got {type(a).__name__}") from e
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be a float32 or float64 array of shape {expected}, "
            f"got dtype {arr.dtype} with shape {arr.shape}")
    if arr.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, arr.shape)):
        raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(
            f"{name} has dtype {arr.dtype} but the parameters are {np.dtype(dtype)} "
            f"(expected shape {expected}, got {arr.shape}); mixing dtypes is not allowed, "
            f"convert with .astype(np.{np.dtype(dtype)})")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} (expected shape {expected}, got {arr.shape}) contains NaN or inf")
    return arr


def check_params(p, shapes, where="p"):
    """Validate a parameter dict against {key: (shape, labels)}; return the common dtype.

    Missing keys, wrong shapes, non-float or mixed dtypes and non-finite values raise with the key named.
    """
    if not isinstance(p, dict):
        raise TypeError(f"{where} must be a dict of parameter arrays, got {type(p).__name__}")
    missing = [k for k in shapes if k not in p]
    if missing:
        raise ValueError(f"{where} is missing keys {missing}; expected keys {list(shapes)}")
    dtype = None
    for k, (shape, labels) in shapes.items():
        arr = as_array(f"{where}['{k}']", p[k], shape, labels, dtype=dtype)
        dtype = arr.dtype if dtype is None else dtype
    return dtype


def float_array(name, a, dtype=None, finite=True):
    """Return ``a`` as a float32/float64 ndarray of any shape (no copy, never modified).

    dtype: required dtype (the parameters'); None accepts float32 or float64.
    finite: reject NaN and inf. Messages name the argument, the dtype and the shape.
    """
    arr = np.asarray(a)
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} must be a float32 or float64 array, got dtype {arr.dtype} with shape {arr.shape}")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(
            f"{name} has dtype {arr.dtype} but the parameters are {np.dtype(dtype)} (shape {arr.shape}); "
            f"mixing dtypes is not allowed, convert with .astype(np.{np.dtype(dtype)})")
    if finite and not np.isfinite(arr).all():
        raise ValueError(f"{name} (shape {arr.shape}) contains NaN or inf")
    return arr


def check_last_dim(name, arr, size, label):
    """Raise ValueError unless ``arr`` has shape (..., label=size)."""
    if arr.ndim < 1 or arr.shape[-1] != size:
        raise ValueError(f"{name} must have shape (..., {label}={size}), got {arr.shape}")


def check_step(x, h_prev, p, G, extra=()):
    """Validate one step's inputs; return (x, h_prev, dtype, H)."""
    if not isinstance(p, dict) or "weight_hh" not in p or "weight_ih" not in p:
        raise ValueError("p must be a dict with keys weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh")
    H = np.shape(p["weight_hh"])[-1]
    I = np.shape(p["weight_ih"])[-1]
    shapes = {"weight_ih": ((G * H, I), ("G*H", "I")), "weight_hh": ((G * H, H), ("G*H", "H")),
              "bias_ih": ((G * H,), ("G*H",)), "bias_hh": ((G * H,), ("G*H",))}
    for k in extra:
        shapes[k] = ((H,), ("H",))
    dtype = check_params(p, shapes)
    x = as_array("x", x, (None, I), ("B", "I"), dtype)
    h_prev = as_array("h_prev", h_prev, (x.shape[0], H), ("B", "H"), dtype)
    return x, h_prev, dtype, H


def check_cache(cache, forward, keys):
    """The cache must be the dict that ``forward`` returned (a common slip: another cell's cache, or the
    (out, cache) pair itself)."""
    if not isinstance(cache, dict) or not all(k in cache for k in keys):
        got = f"a dict with keys {sorted(cache)}" if isinstance(cache, dict) else type(cache).__name__
        raise TypeError(f"cache must be the dict returned by {forward} (keys {list(keys)}), got {got}")
