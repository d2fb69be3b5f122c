"""Converters between PyTorch's stacked gate layout (i, f, g, o; bias_ih + bias_hh) and the textbook layout W_f . [h_{t-1}, x_t] + b_f.

The course's sources write each LSTM gate with its own matrix acting on the concatenation
[h_{t-1}, x_t] and one bias (post 000, 式1–式6):

    f_t = sigma(W_f [h_{t-1}, x_t] + b_f),   W_f = [W_fh  W_fx]  of shape (H, H + I)

and likewise W_i, W_c (the candidate, PyTorch's g) and W_o. PyTorch stacks the gates row-wise in the
order i, f, g, o and splits every matrix by what it multiplies: weight_ih (4H, I) acts on x,
weight_hh (4H, H) acts on h, and there are two biases. The map is exact in both directions except
that only the sum bias_ih + bias_hh is identifiable: ``from_textbook`` puts b in bias_ih and 0 in bias_hh.

Post 001 writes the vanilla RNN as a = W h_{t-1} + U x_t + b: W = weight_hh (H, H), U = weight_ih (H, I),
b = bias_ih + bias_hh.
"""
import numpy as np

from ._validate import as_array

__all__ = ["to_textbook", "from_textbook", "rnn_to_textbook", "rnn_from_textbook", "LSTM_GATES"]

#: PyTorch's LSTM row blocks, in order, with the textbook's letter for each gate.
LSTM_GATES = (("i", "i"), ("f", "f"), ("g", "c"), ("o", "o"))


def _single_layer(p, suffix, G):
    """Read weight_ih/weight_hh/bias_ih/bias_hh{suffix} from p and check their shapes; return them and H, I."""
    try:
        W_ih, W_hh = np.asarray(p["weight_ih" + suffix]), np.asarray(p["weight_hh" + suffix])
        b_ih, b_hh = np.asarray(p["bias_ih" + suffix]), np.asarray(p["bias_hh" + suffix])
    except KeyError as e:
        raise ValueError(f"params must have keys weight_ih{suffix}, weight_hh{suffix}, bias_ih{suffix}, "
                         f"bias_hh{suffix}; missing {e}") from None
    H = W_hh.shape[-1] if W_hh.ndim == 2 else -1
    I = W_ih.shape[-1] if W_ih.ndim == 2 else -1
    W_hh = as_array("weight_hh" + suffix, W_hh, (G * H, H), ("G*H", "H"), finite=False)
    W_ih = as_array("weight_ih" + suffix, W_ih, (G * H, I), ("G*H", "I"), W_hh.dtype, finite=False)
    b_ih = as_array("bias_ih" + suffix, b_ih, (G * H,), ("G*H",), W_hh.dtype, finite=False)
    b_hh = as_array("bias_hh" + suffix, b_hh, (G * H,), ("G*H",), W_hh.dtype, finite=False)
    return W_ih, W_hh, b_ih, b_hh, H, I


def to_textbook(params, suffix=""):
    """PyTorch LSTM parameters -> textbook per-gate matrices.

    params: dict with weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) (keys may carry
            a suffix such as "_l0": pass suffix="_l0" to read a layer's params directly).
    Returns {"W_i", "W_f", "W_c", "W_o": (H, H + I) = [W_·h  W_·x],  "b_i", "b_f", "b_c", "b_o": (H,)}
    with b_· = bias_ih + bias_hh of that gate. New arrays; the input is not modified.
    """
    W_ih, W_hh, b_ih, b_hh, H, I = _single_layer(params, suffix, 4)
    out = {}
    for k, (_, name) in enumerate(LSTM_GATES):
        rows = slice(k * H, (k + 1) * H)
        out["W_" + name] = np.concatenate([W_hh[rows], W_ih[rows]], axis=1)
        out["b_" + name] = b_ih[rows] + b_hh[rows]
    return out


def from_textbook(tb):
    """Textbook per-gate matrices -> PyTorch LSTM parameters (the inverse of ``to_textbook``).

    tb: {"W_i", "W_f", "W_c", "W_o": (H, H + I), "b_i", "b_f", "b_c", "b_o": (H,)}.
    Returns {"weight_ih": (4H, I), "weight_hh": (4H, H), "bias_ih": (4H,) = b, "bias_hh": (4H,) = 0}.
    """
    missing = [k for _, n in LSTM_GATES for k in ("W_" + n, "b_" + n) if k not in tb]
    if missing:
        raise ValueError(f"textbook params are missing keys {missing}")
    W_f = np.asarray(tb["W_f"])
    if W_f.ndim != 2 or W_f.shape[1] <= W_f.shape[0]:
        raise ValueError(f"W_f must have shape (H, H+I) with I >= 1, got {W_f.shape}")
    H, I = W_f.shape[0], W_f.shape[1] - W_f.shape[0]
    Ws, bs = [], []
    for _, n in LSTM_GATES:
        Ws.append(as_array("W_" + n, tb["W_" + n], (H, H + I), ("H", "H+I"), W_f.dtype, finite=False))
        bs.append(as_array("b_" + n, tb["b_" + n], (H,), ("H",), W_f.dtype, finite=False))
    W = np.concatenate(Ws, axis=0)                    # (4H, H + I), rows i, f, g, o
    b = np.concatenate(bs)
    return {"weight_ih": W[:, H:].copy(), "weight_hh": W[:, :H].copy(), "bias_ih": b, "bias_hh": np.zeros_like(b)}


def rnn_to_textbook(params, suffix=""):
    """PyTorch RNN parameters -> post 001's a = W h + U x + b: {"W": (H, H), "U": (H, I), "b": (H,)}."""
    W_ih, W_hh, b_ih, b_hh, H, I = _single_layer(params, suffix, 1)
    return {"W": W_hh.copy(), "U": W_ih.copy(), "b": b_ih + b_hh}


def rnn_from_textbook(tb):
    """{"W": (H, H), "U": (H, I), "b": (H,)} -> PyTorch RNN parameters (bias_ih = b, bias_hh = 0)."""
    for k in ("W", "U", "b"):
        if k not in tb:
            raise ValueError(f"textbook RNN params must have keys W (H, H), U (H, I), b (H,); missing {k!r}")
    W = np.asarray(tb["W"])
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must have shape (H, H), got {W.shape}")
    H = W.shape[0]
    W = as_array("W", W, (H, H), ("H", "H"), finite=False)
    U = np.asarray(tb["U"])
    U = as_array("U", U, (H, U.shape[-1] if U.ndim == 2 else -1), ("H", "I"), W.dtype, finite=False)
    b = as_array("b", tb["b"], (H,), ("H",), W.dtype, finite=False)
    return {"weight_ih": U.copy(), "weight_hh": W.copy(), "bias_ih": b.copy(), "bias_hh": np.zeros_like(b)}
