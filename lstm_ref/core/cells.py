"""Teaching cells: pure one-step forward/backward functions for the RNN, LSTM and GRU (CS231n pattern: forward returns (out, cache), backward consumes the cache).

Shapes: x (B, I), h_prev and c_prev (B, H). ``p`` is a dict with PyTorch's single-layer names

    weight_ih (G*H, I), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,)

with G = 1 (RNN), 4 (LSTM, gate rows i, f, g, o) or 3 (GRU, gate rows r, z, n). The peephole LSTM
also has weight_ci, weight_cf, weight_co of shape (H,). Gradients come back in a dict with the same
keys and shapes as ``p``. These functions are written to be read next to the equations; the layers in
``layers.py`` compute the same thing fast. Nothing here modifies its inputs.
"""
import numpy as np

from ._validate import as_array, check_params
from .activations import sigmoid

__all__ = ["rnn_step_forward", "rnn_step_backward", "lstm_step_forward", "lstm_step_backward",
           "gru_step_forward", "gru_step_backward", "LSTM_VARIANTS"]

LSTM_VARIANTS = ("vanilla", "no_forget", "coupled", "no_output_act", "peephole")


def _check_step(x, h_prev, p, G, extra=()):
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


# ----------------------------------------------------------------------------------------------
def _check_cache(cache, forward, keys):
    """The cache must be the dict that ``forward`` returned (a common slip: another cell's cache, or the
    (out, cache) pair itself)."""
    if not isinstance(cache, dict) or not all(k in cache for k in keys):
        got = f"a dict with keys {sorted(cache)}" if isinstance(cache, dict) else type(cache).__name__
        raise TypeError(f"cache must be the dict returned by {forward} (keys {list(keys)}), got {got}")


# vanilla RNN:  a = W_ih x + b_ih + W_hh h_prev + b_hh,   h = tanh(a)  (or relu(a))

def rnn_step_forward(x, h_prev, p, nonlinearity="tanh"):
    """One step of the Elman RNN. x (B, I), h_prev (B, H) -> h (B, H), cache."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    x, h_prev, _, _ = _check_step(x, h_prev, p, 1)
    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    cache = {"x": x, "h_prev": h_prev, "p": p, "a": a, "h": h, "nonlinearity": nonlinearity}
    return h, cache


def rnn_step_backward(dh, cache):
    """Backward of rnn_step_forward. dh (B, H) -> dx (B, I), dh_prev (B, H), grads (dict like p)."""
    _check_cache(cache, "rnn_step_forward", ("x", "h_prev", "p", "a", "h", "nonlinearity"))
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
# LSTM (PyTorch gate order i, f, g, o):
#   [a_i, a_f, a_g, a_o] = W_ih x + b_ih + W_hh h_prev + b_hh
#   i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o)
#   c = f * c_prev + i * g,   h = o * tanh(c)

def lstm_step_forward(x, h_prev, c_prev, p, variant="vanilla"):
    """One LSTM step. x (B, I), h_prev (B, H), c_prev (B, H) -> (h, c) each (B, H), cache.

    variant:
      "vanilla"        the equations above (PyTorch's nn.LSTM).
      "no_forget"      f = 1 (the 1997 LSTM without forget gate): c = c_prev + i * g.
      "coupled"        i = 1 - f (coupled input and forget gates).
      "no_output_act"  h = o * c (no tanh on the cell output).
      "peephole"       a_i += w_ci * c_prev, a_f += w_cf * c_prev, a_o += w_co * c (Gers & Schmidhuber
                       2000); p must also hold weight_ci, weight_cf, weight_co of shape (H,).
    Every variant keeps the 4H row layout; the rows of a gate the variant does not use (f for
    "no_forget", i for "coupled") are ignored and get zero gradients.
    """
    if variant not in LSTM_VARIANTS:
        raise ValueError(f"variant must be one of {LSTM_VARIANTS}, got {variant!r}")
    peep = ("weight_ci", "weight_cf", "weight_co") if variant == "peephole" else ()
    x, h_prev, dtype, H = _check_step(x, h_prev, p, 4, peep)
    c_prev = as_array("c_prev", c_prev, h_prev.shape, ("B", "H"), dtype)

    a = x @ p["weight_ih"].T + p["bias_ih"] + h_prev @ p["weight_hh"].T + p["bias_hh"]
    a_i, a_f, a_g, a_o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    if variant == "peephole":
        a_i = a_i + p["weight_ci"] * c_prev
        a_f = a_f + p["weight_cf"] * c_prev
    f = np.ones_like(c_prev) if variant == "no_forget" else sigmoid(a_f)
    i = 1 - f if variant == "coupled" else sigmoid(a_i)
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    if variant == "peephole":
        a_o = a_o + p["weight_co"] * c
    o = sigmoid(a_o)
    tc = c if variant == "no_output_act" else np.tanh(c)
    h = o * tc
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "p": p, "variant": variant,
             "i": i, "f": f, "g": g, "o": o, "c": c, "tc": tc}
    return (h, c), cache


def lstm_step_backward(dh, dc, cache):
    """Backward of lstm_step_forward.

    dh (B, H): dL/dh from above; dc (B, H) or None: dL/dc from the next step (None means zero).
    Returns dx (B, I), dh_prev (B, H), dc_prev (B, H), grads (dict with the keys of p).
    """
    _check_cache(cache, "lstm_step_forward", ("x", "h_prev", "c_prev", "p", "variant", "i", "f", "g", "o", "c", "tc"))
    i, f, g, o, c, tc = (cache[k] for k in ("i", "f", "g", "o", "c", "tc"))
    c_prev, p, variant = cache["c_prev"], cache["p"], cache["variant"]
    dh = as_array("dh", dh, c.shape, ("B", "H"), c.dtype, finite=False)
    dc = np.zeros_like(c) if dc is None else as_array("dc", dc, c.shape, ("B", "H"), c.dtype, finite=False)

    # h = o * tc
    do = dh * tc
    da_o = do * o * (1 - o)
    dc_total = dc + dh * o * (1 if variant == "no_output_act" else (1 - tc * tc))
    if variant == "peephole":
        dc_total = dc_total + da_o * p["weight_co"]   # a_o depends on c
    # c = f * c_prev + i * g
    di, dg, df = dc_total * g, dc_total * i, dc_total * c_prev
    dc_prev = dc_total * f
    zero = np.zeros_like(c)
    if variant == "coupled":                          # i = 1 - f: the i path flows into f
        df, da_i = df - di, zero
    else:
        da_i = di * i * (1 - i)
    da_f = zero if variant == "no_forget" else df * f * (1 - f)
    da_g = dg * (1 - g * g)
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)   # (B, 4H)

    grads = {"weight_ih": da.T @ cache["x"], "weight_hh": da.T @ cache["h_prev"],
             "bias_ih": da.sum(0), "bias_hh": da.sum(0)}
    if variant == "peephole":
        dc_prev = dc_prev + da_i * p["weight_ci"] + da_f * p["weight_cf"]
        grads["weight_ci"] = (da_i * c_prev).sum(0)
        grads["weight_cf"] = (da_f * c_prev).sum(0)
        grads["weight_co"] = (da_o * c).sum(0)
    dx = da @ p["weight_ih"]
    dh_prev = da @ p["weight_hh"]
    return dx, dh_prev, dc_prev, grads


# ----------------------------------------------------------------------------------------------
# GRU (PyTorch gate order r, z, n):
#   r = sigma(W_ir x + b_ir + W_hr h_prev + b_hr),  z = sigma(W_iz x + b_iz + W_hz h_prev + b_hz)
#   reset_after=True  (PyTorch, cuDNN):   n = tanh(W_in x + b_in + r * (W_hn h_prev + b_hn))
#   reset_after=False (Cho et al. 2014):  n = tanh(W_in x + b_in + W_hn (r * h_prev) + b_hn)
#   h = (1 - z) * n + z * h_prev

def gru_step_forward(x, h_prev, p, reset_after=True):
    """One GRU step. x (B, I), h_prev (B, H) -> h (B, H), cache. See the equations above."""
    x, h_prev, _, H = _check_step(x, h_prev, p, 3)
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
    _check_cache(cache, "gru_step_forward", ("r", "z", "n", "gh_n", "h_prev", "x", "p", "reset_after"))
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
