"""Exercise self-checks and prose claims for the notebooks.

* ``self_check(answer, expected)``: compares a learner's answer with the expected value and says
  what differs (shape, index, values).
* ``claim(text, holds, **measured)``: asserts one claim of a chapter's prose and records it;
  ``claims_table()`` lists the claims checked in the kernel, with the numbers they checked.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["claim", "claims_table", "self_check"]


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
