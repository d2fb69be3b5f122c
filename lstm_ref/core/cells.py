"""Teaching cells: pure one-step forward/backward functions for the RNN, LSTM and GRU (CS231n pattern: forward returns (out, cache), backward consumes the cache).

Shapes: x (B, I), h_prev and c_prev (B, H). ``p`` is a dict with PyTorch's single-layer names

    weight_ih (G*H, I), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,)

with G = 1 (RNN), 4 (LSTM, gate rows i, f, g, o), 3 (GRU, gate rows r, z, n) or 2 (MGU, rows f, n).
Gradients come back in a dict with the same keys and shapes as ``p``. These functions are the
textbook equations and nothing else, written to be read next to them; the LSTM variants have their
own steps in ``lstm_variants.py``. ``registry.py`` lists every cell and unrolls any of them over a
sequence; the layers in ``layers.py`` compute the same thing (fast for RNN, LSTM and GRU). Nothing
here modifies its inputs.
"""
import numpy as np

from ._validate import as_array, check_cache, check_step
from .activations import sigmoid

__all__ = ["rnn_step_forward", "rnn_step_backward", "lstm_step_forward", "lstm_step_backward",
           "gru_step_forward", "gru_step_backward", "mgu_step_forward", "mgu_step_backward"]


# vanilla RNN:  a = W_ih x + b_ih + W_hh h_prev + b_hh,   h = tanh(a)  (or relu(a))

def rnn_step_forward(x, h_prev, p, nonlinearity="tanh"):
    """One step of the Elman RNN. x (B, I), h_prev (B, H) -> h (B, H), cache."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    x, h_prev, _, _ = check_step(x, h_prev, p, 1)
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    cache = {"x": x, "h_prev": h_prev, "p": p, "a": a, "h": h, "nonlinearity": nonlinearity}
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward of rnn_step_forward. dh (B, H) -> dx (B, I), dh_prev (B, H), grads (dict like p)."""
    check_cache(cache, "rnn_step_forward", ("x", "h_prev", "p", "a", "h", "nonlinearity"))
    h, p = cache["h"], cache["p"]
    dh = as_array("dh", dh, h.shape, ("B", "H"), h.dtype, finite=False)
    if cache["nonlinearity"] == "tanh":
        da = dh * (1 - h * h)          # tanh'(a) = 1 - tanh(a)^2
    else:
        da = dh * (cache["a"] > 0)     # relu'(a) = 1 if a > 0 (0 at a = 0)
    grads = {"weight_ih": da.T @ cache["x"], "weight_hh": da.T @ cache["h_prev"],
             "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ p["weight_ih"], da @ p["weight_hh"], grads


# ----------------------------------------------------------------------------------------------
#: What an LSTM step keeps for its backward (the same for every variant).
LSTM_CACHE_KEYS = ("x", "h_prev", "c_prev", "p", "variant", "i", "f", "g", "o", "c", "tc")

# LSTM (PyTorch gate order i, f, g, o):
#   [a_i, a_f, a_g, a_o] = W_ih x + b_ih + W_hh h_prev + b_hh
#   i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o)
#   c = f * c_prev + i * g,   h = o * tanh(c)

def lstm_step_forward(x, h_prev, c_prev, p, variant="vanilla"):
    """One LSTM step. x (B, I), h_prev (B, H), c_prev (B, H) -> (h, c) each (B, H), cache.

    The six equations above (PyTorch's nn.LSTM). variant: another name of ``LSTM_VARIANTS``
    ("no_forget", "coupled", "no_output_act", "peephole") runs that variant's own step,
    :func:`lstm_ref.core.lstm_variants.lstm_variant_step_forward`.
    """
    if variant != "vanilla":
        from .lstm_variants import lstm_variant_step_forward
        return lstm_variant_step_forward(x, h_prev, c_prev, p, variant)
    x, h_prev, dtype, H = check_step(x, h_prev, p, 4)
    c_prev = as_array("c_prev", c_prev, h_prev.shape, ("B", "H"), dtype)

    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    a_i, a_f, a_g, a_o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    i = sigmoid(a_i)
    f = sigmoid(a_f)
    g = np.tanh(a_g)
    o = sigmoid(a_o)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    h = o * tc
    cache = dict(zip(LSTM_CACHE_KEYS, (x, h_prev, c_prev, p, "vanilla", i, f, g, o, c, tc)))
    return (h, c), cache


def lstm_step_backward(dh, dc, cache):
    """Backward of lstm_step_forward (of any variant: the cache says which).

    dh (B, H): dL/dh from above; dc (B, H) or None: dL/dc from the next step (None means zero).
    Returns dx (B, I), dh_prev (B, H), dc_prev (B, H), grads (dict with the keys of p).
    """
    check_cache(cache, "lstm_step_forward", LSTM_CACHE_KEYS)
    if cache["variant"] != "vanilla":
        from .lstm_variants import lstm_variant_step_backward
        return lstm_variant_step_backward(dh, dc, cache)
    i, f, g, o, c, tc = (cache[k] for k in ("i", "f", "g", "o", "c", "tc"))
    c_prev, p = cache["c_prev"], cache["p"]
    dh = as_array("dh", dh, c.shape, ("B", "H"), c.dtype, finite=False)
    dc = np.zeros_like(c) if dc is None else as_array("dc", dc, c.shape, ("B", "H"), c.dtype, finite=False)

    dc_total = dc + dh * o * (1 - tc * tc)           # h = o * tanh(c)
    da_o = dh * tc * o * (1 - o)
    da_i = dc_total * g * i * (1 - i)                # c = f * c_prev + i * g
    da_f = dc_total * c_prev * f * (1 - f)
    da_g = dc_total * i * (1 - g * g)
    dc_prev = dc_total * f
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)   # (B, 4H)

    grads = {"weight_ih": da.T @ cache["x"], "weight_hh": da.T @ cache["h_prev"],
             "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ p["weight_ih"], da @ p["weight_hh"], dc_prev, grads


# ----------------------------------------------------------------------------------------------
# GRU (PyTorch gate order r, z, n):
#   r = sigma(W_ir x + b_ir + W_hr h_prev + b_hr),  z = sigma(W_iz x + b_iz + W_hz h_prev + b_hz)
#   reset_after=True  (PyTorch, cuDNN):   n = tanh(W_in x + b_in + r * (W_hn h_prev + b_hn))
#   reset_after=False (Cho et al. 2014):  n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)
#   h = (1 - z) * n + z * h_prev

def gru_step_forward(x, h_prev, p, reset_after=True):
    """One GRU step. x (B, I), h_prev (B, H) -> h (B, H), cache. See the equations above."""
    x, h_prev, _, H = check_step(x, h_prev, p, 3)
    W_hh, b_hh = p["weight_hh"], p["bias_hh"]
    gi = x @ p["weight_ih"].T + p["bias_ih"]                                 # (B, 3H)
    gh_rz = h_prev @ W_hh[:2 * H].T + b_hh[:2 * H]                          # (B, 2H)
    r = sigmoid(gi[:, :H] + gh_rz[:, :H])
    z = sigmoid(gi[:, H:2 * H] + gh_rz[:, H:])
    if reset_after:
        gh_n = h_prev @ W_hh[2 * H:].T + b_hh[2 * H:]                        # W_hn h_prev + b_hn
        n = np.tanh(gi[:, 2 * H:] + r * gh_n)
    else:
        gh_n = (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:]                  # W_hn (r h_prev) + b_hn
        n = np.tanh(gi[:, 2 * H:] + gh_n)
    h = (1 - z) * n + z * h_prev
    cache = {"x": x, "h_prev": h_prev, "p": p, "reset_after": reset_after,
             "r": r, "z": z, "n": n, "gh_n": gh_n}
    return h, cache


def gru_step_backward(dh, cache):
    """Backward of gru_step_forward. dh (B, H) -> dx (B, I), dh_prev (B, H), grads (dict like p)."""
    check_cache(cache, "gru_step_forward", ("r", "z", "n", "gh_n", "h_prev", "x", "p", "reset_after"))
    r, z, n, gh_n, h_prev, x, p = (cache[k] for k in ("r", "z", "n", "gh_n", "h_prev", "x", "p"))
    H = h_prev.shape[1]
    dh = as_array("dh", dh, n.shape, ("B", "H"), n.dtype, finite=False)
    W_hh = p["weight_hh"]

    # h = (1 - z) * n + z * h_prev
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dh_prev = dh * z
    da_n = dn * (1 - n * n)
    da_z = dz * z * (1 - z)
    if cache["reset_after"]:
        dr = da_n * gh_n
        dgh_n = da_n * r                              # gradient wrt W_hn h_prev + b_hn
        dW_hn = dgh_n.T @ h_prev
        dh_prev = dh_prev + dgh_n @ W_hh[2 * H:]
    else:
        dgh_n = da_n                                  # gradient wrt W_hn (r h_prev) + b_hn
        drh = da_n @ W_hh[2 * H:]
        dr = drh * h_prev
        dh_prev = dh_prev + drh * r
        dW_hn = da_n.T @ (r * h_prev)
    da_r = dr * r * (1 - r)
    da_rz = np.concatenate([da_r, da_z], axis=1)      # (B, 2H)
    dgi = np.concatenate([da_rz, da_n], axis=1)       # (B, 3H)
    dh_prev = dh_prev + da_rz @ W_hh[:2 * H]
    grads = {"weight_ih": dgi.T @ x,
             "weight_hh": np.concatenate([da_rz.T @ h_prev, dW_hn], axis=0),
             "bias_ih": dgi.sum(0),
             "bias_hh": np.concatenate([da_rz.sum(0), dgh_n.sum(0)])}
    return dgi @ p["weight_ih"], dh_prev, grads


# ----------------------------------------------------------------------------------------------
# MGU, the minimal gated unit (Zhou, Wu, Zhang & Zhou 2016), gate rows f, n:
#   f = sigma(W_if x + b_if + W_hf h_prev + b_hf)
#   n = tanh(W_in x + b_in + W_hn (f * h_prev) + b_hn)
#   h = (1 - f) * h_prev + f * n

def mgu_step_forward(x, h_prev, p):
    """One MGU step. x (B, I), h_prev (B, H) -> h (B, H), cache. See the equations above."""
    x, h_prev, _, H = check_step(x, h_prev, p, 2)
    W_hh, b_hh = p["weight_hh"], p["bias_hh"]
    gi = x @ p["weight_ih"].T + p["bias_ih"]                                 # (B, 2H)
    f = sigmoid(gi[:, :H] + h_prev @ W_hh[:H].T + b_hh[:H])
    n = np.tanh(gi[:, H:] + (f * h_prev) @ W_hh[H:].T + b_hh[H:])
    h = (1 - f) * h_prev + f * n
    cache = {"x": x, "h_prev": h_prev, "p": p, "f": f, "n": n}
    return h, cache


def mgu_step_backward(dh, cache):
    """Backward of mgu_step_forward. dh (B, H) -> dx (B, I), dh_prev (B, H), grads (dict like p)."""
    check_cache(cache, "mgu_step_forward", ("x", "h_prev", "p", "f", "n"))
    x, h_prev, p, f, n = (cache[k] for k in ("x", "h_prev", "p", "f", "n"))
    H = h_prev.shape[1]
    dh = as_array("dh", dh, n.shape, ("B", "H"), n.dtype, finite=False)
    W_hh = p["weight_hh"]

    # h = (1 - f) * h_prev + f * n
    da_n = dh * f * (1 - n * n)
    dfh = da_n @ W_hh[H:]                             # gradient wrt f * h_prev
    df = dh * (n - h_prev) + dfh * h_prev
    da_f = df * f * (1 - f)
    dh_prev = dh * (1 - f) + dfh * f + da_f @ W_hh[:H]
    da = np.concatenate([da_f, da_n], axis=1)         # (B, 2H)
    grads = {"weight_ih": da.T @ x,
             "weight_hh": np.concatenate([da_f.T @ h_prev, da_n.T @ (f * h_prev)], axis=0),
             "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    return da @ p["weight_ih"], dh_prev, grads
