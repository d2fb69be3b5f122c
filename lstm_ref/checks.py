"""Numerical gradient checking by central differences and the relative error used throughout the course.

The relative error of two numbers ``a`` (analytic) and ``b`` (numerical) is

    rel(a, b) = |a - b| / max(1e-8, |a| + |b|)

taken element by element; a check reports the largest one. In float64 a correct backward pass
typically gives 1e-10 .. 1e-8 with the default step, a wrong one 1e-2 .. 1.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["claim", "claims_table", "gradcheck", "numerical_gradient", "rel_error", "self_check"]

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


# ---------------------------------------------------------------------------------------------
# Exercise self-checks for the notebooks
# ---------------------------------------------------------------------------------------------

def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"


def _compare(answer, expected, atol, rtol, path):
    """Return None if answer matches expected, else a message saying what differs."""
    where = f" at {path}" if path else ""
    if isinstance(expected, str):
        if not isinstance(answer, str):
            return f"expected a string{where}, got {_describe(answer)}"
        if answer != expected:
            return f"expected {expected!r}{where}, got {answer!r}"
        return None
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(answer, (bool, np.bool_)):
            return f"expected a bool{where} ({expected!r}), got {_describe(answer)}"
        if bool(answer) != bool(expected):
            return f"expected {bool(expected)!r}{where}, got {bool(answer)!r}"
        return None
    if isinstance(expected, dict):
        if not isinstance(answer, dict):
            return f"expected a dict{where}, got {_describe(answer)}"
        if set(answer) != set(expected):
            return f"expected keys {sorted(map(str, expected))}{where}, got {sorted(map(str, answer))}"
        for key in sorted(expected, key=str):
            msg = _compare(answer[key], expected[key], atol, rtol, f"{path}[{key!r}]")
            if msg:
                return msg
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(answer, (tuple, list)):
            return f"expected a {type(expected).__name__} of length {len(expected)}{where}, got {_describe(answer)}"
        if len(answer) != len(expected):
            return f"expected {len(expected)} items{where}, got {len(answer)}"
        for k, (a, e) in enumerate(zip(answer, expected)):
            msg = _compare(a, e, atol, rtol, f"{path}[{k}]")
            if msg:
                return msg
        return None
    if isinstance(expected, numbers.Integral) and not isinstance(expected, (bool, np.bool_)):
        if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (numbers.Integral, np.integer)):
            if isinstance(answer, (numbers.Real, np.floating)) and float(answer) == float(expected):
                return None
            return f"expected the integer {int(expected)}{where}, got {_describe(answer)}"
        if int(answer) != int(expected):
            return f"expected {int(expected)}{where}, got {int(answer)}"
        return None
    # numbers and arrays
    try:
        exp = np.asarray(expected)
        ans = np.asarray(answer)
    except Exception:  # pragma: no cover - exotic objects
        return f"cannot compare {_describe(answer)} with {_describe(expected)}{where}"
    if exp.dtype.kind not in "biufc" or ans.dtype.kind not in "biufc":
        if ans.dtype.kind == "O" and answer is None:
            return f"expected {_describe(expected)}{where}, got None"
        return f"expected a number or numeric array{where}, got {_describe(answer)}"
    if exp.dtype.kind == "b":
        if ans.shape != exp.shape:
            return f"expected shape {exp.shape}{where}, got shape {ans.shape}"
        bad = np.argwhere(ans.astype(bool) != exp)
        if bad.size:
            idx = tuple(int(i) for i in bad[0])
            return f"{len(bad)} of {exp.size} entries differ{where}; first at index {idx}"
        return None
    if ans.shape != exp.shape:
        return f"expected shape {exp.shape}{where}, got shape {ans.shape}"
    if exp.size == 0:
        return None
    if np.isnan(ans).any() and not np.isnan(exp).any():
        return f"the answer contains NaN{where}"
    close = np.isclose(ans, exp, atol=atol, rtol=rtol, equal_nan=True)
    if not close.all():
        diff = np.abs(ans - exp).astype(np.float64)
        diff = np.where(np.isnan(diff), np.inf, diff)
        n_bad = int((~close).sum())
        if exp.ndim == 0:
            return (f"expected {exp.item()!r}{where}, got {ans.item()!r} "
                    f"(difference {float(diff):.3g}; allowed atol={atol:g}, rtol={rtol:g})")
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), exp.shape))
        return (f"{n_bad} of {exp.size} entries differ{where}; largest difference {float(diff[idx]):.3g} "
                f"at index {idx}: expected {exp[idx].item()!r}, got {ans[idx].item()!r} (allowed atol={atol:g}, rtol={rtol:g})")
    return None


def self_check(answer, expected, name="Exercise 1", atol=1e-8, rtol=1e-6):
    """Check a learner's answer to a notebook exercise.

    Parameters
    ----------
    answer : None or any value
        ``None`` means the exercise has not been attempted: prints ``"<name>: not attempted yet"``.
    expected : value of the same kind
        Arrays and numbers are compared with ``np.isclose(answer, expected, atol, rtol)`` after an
        exact shape check; ints, bools and strings exactly; tuples, lists and dicts item by item.
    name : str
        Shown in the printed line and in the error message.

    Raises
    ------
    AssertionError
        With a message naming the exercise and saying what differs (shape, index, values).
    """
    if answer is None:
        print(f"{name}: not attempted yet")
        return None
    msg = _compare(answer, expected, atol, rtol, "")
    if msg is not None:
        raise AssertionError(f"{name}: not yet right: {msg}")
    print(f"{name}: correct")
    return None


# ---------------------------------------------------------------------------------------------
# Claims: each chapter's prose claims, asserted where they are made and listed at the end.

_CLAIMS: list = []


def _format_value(value):
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def claim(text, holds, **measured):
    """Assert one claim of a chapter's prose and record it for the chapter's claims table.

    Parameters
    ----------
    text : str
        The claim as the prose states it, e.g. ``"the LSTM beats the 5-gram by at least 0.15 nats"``.
    holds : bool
        The computed condition that makes the claim true at the prose's strength. It must be computed
        from the chapter's data (never a constant) and able to fail.
    **measured : numbers or str
        The measured numbers the condition compared, shown in the table (floats with 4 significant
        digits; pass a formatted str where fewer digits are stable).

    Raises
    ------
    AssertionError
        ``"claim failed: <text> (<measured>)"`` when ``holds`` is false.

    Prints ``checked: <text> (<measured>)`` when it holds.
    """
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"claim: text must be a non-empty str, got {type(text).__name__} {text!r}")
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"claim: holds must be a bool (the computed condition), got {type(holds).__name__}")
    shown = ", ".join(f"{k} = {_format_value(v)}" for k, v in measured.items())
    suffix = f" ({shown})" if shown else ""
    if not holds:
        raise AssertionError(f"claim failed: {text}{suffix}")
    _CLAIMS[:] = [c for c in _CLAIMS if c[0] != text]
    _CLAIMS.append((text, shown))
    print(f"checked: {text}{suffix}")


class _ClaimsTable:
    def __init__(self, rows):
        self.rows = list(rows)

    def _text(self):
        lines = ["| # | claim | measured |", "|---|---|---|"]
        for k, (text, shown) in enumerate(self.rows, 1):
            cell = shown.replace("|", r"\|") or "—"
            claim_text = text.replace("|", r"\|")
            lines.append(f"| {k} | {claim_text} | {cell} |")
        return "\n".join(lines)

    def __repr__(self):
        return self._text()

    def _repr_markdown_(self):
        return self._text()


def claims_table():
    """The claims asserted so far in this kernel by :func:`claim`, as a Markdown table (in order,
    one row per distinct claim text). A chapter ends with ``lr.claims_table()``."""
    return _ClaimsTable(_CLAIMS)
