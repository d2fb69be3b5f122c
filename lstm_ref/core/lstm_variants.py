"""The LSTM variants of chapter 09, each a change of one or two of the six equations of ``cells.py``.

    "no_forget"      f = 1 (the 1997 LSTM without forget gate): c = c_prev + i * g.
    "coupled"        i = 1 - f (coupled input and forget gates).
    "no_output_act"  h = o * c (no tanh on the cell output).
    "peephole"       a_i += w_ci * c_prev, a_f += w_cf * c_prev, a_o += w_co * c (Gers & Schmidhuber
                     2000); p must also hold weight_ci, weight_cf, weight_co of shape (H,).

Shapes and parameter names as in ``cells.py``: x (B, I), h_prev and c_prev (B, H), ``p`` with
weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,), gate rows i, f, g, o.
``lstm_step_forward(..., variant=name)`` and ``lstm_step_backward`` call these for every variant
but "vanilla"; the fast ``LSTM`` layer computes the same variants (tests check <= 1e-12).
"""
import numpy as np

from ._validate import as_array, check_cache, check_step
from .activations import sigmoid
from .cells import LSTM_CACHE_KEYS

__all__ = ["LSTM_VARIANTS", "lstm_variant_step_forward", "lstm_variant_step_backward"]

LSTM_VARIANTS = ("vanilla", "no_forget", "coupled", "no_output_act", "peephole")


def lstm_variant_step_forward(x, h_prev, c_prev, p, variant):
    """One step of an LSTM variant. x (B, I), h_prev (B, H), c_prev (B, H) -> (h, c) each (B, H), cache.

    variant:
      "vanilla"        the six equations (``lstm_step_forward`` is their plain form).
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
    x, h_prev, dtype, H = check_step(x, h_prev, p, 4, peep)
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
    cache = dict(zip(LSTM_CACHE_KEYS, (x, h_prev, c_prev, p, variant, i, f, g, o, c, tc)))
    return (h, c), cache


def lstm_variant_step_backward(dh, dc, cache):
    """Backward of lstm_variant_step_forward; arguments and results as ``lstm_step_backward``."""
    check_cache(cache, "lstm_step_forward", LSTM_CACHE_KEYS)
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
