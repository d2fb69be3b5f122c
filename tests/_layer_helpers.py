"""Shared helpers of the layer tests: a slow reference built only from the teaching step functions."""
import numpy as np

import lstm_ref as lr
from lstm_ref.core.registry import CELLS


def make_layer(kind, I, H, L=1, bi=False, dtype=np.float64, seed=0, **kw):
    return lr.make_layer(kind, I, H, num_layers=L, bidirectional=bi, dtype=dtype, seed=seed, **kw)


def random_io(layer, T, B, seed=1):
    """Random x, initial state, dy and dstate of the right shapes for ``layer``."""
    r = np.random.default_rng(seed)
    LD, H = layer.num_layers * layer.num_directions, layer.hidden_size
    dt = layer.dtype
    x = r.standard_normal((T, B, layer.input_size)).astype(dt)
    dy = r.standard_normal((T, B, layer.num_directions * H)).astype(dt)
    if CELLS[layer.kind].has_cell:
        state = (r.standard_normal((LD, B, H)).astype(dt), r.standard_normal((LD, B, H)).astype(dt))
        dstate = (r.standard_normal((LD, B, H)).astype(dt), r.standard_normal((LD, B, H)).astype(dt))
    else:
        state, dstate = r.standard_normal((LD, B, H)).astype(dt), r.standard_normal((LD, B, H)).astype(dt)
    return x, state, dy, dstate


def _split(layer, state):
    if CELLS[layer.kind].has_cell:
        return state
    return state, None


def step_reference(layer, x, state, dy, dstate):
    """Forward and backward of ``layer`` computed by looping the teaching step functions.

    Returns (y, state_n, dx, dstate_0, grads) with the same structure as the layer's methods.
    """
    h0, c0 = _split(layer, state)
    dh_n, dc_n = _split(layer, dstate)
    T, B, _ = x.shape
    H, D, L = layer.hidden_size, layer.num_directions, layer.num_layers
    spec = CELLS[layer.kind]
    is_lstm = spec.has_cell
    options = layer.cell_options()

    def fwd(xt, h, c, p):
        if is_lstm:
            (h, c), cache = spec.step_forward(xt, h, c, p, **options)
            return h, c, cache
        h, cache = spec.step_forward(xt, h, p, **options)
        return h, None, cache

    def bwd(dh, dc, cache):
        if is_lstm:
            return spec.step_backward(dh, dc, cache)
        dx, dh_prev, g = spec.step_backward(dh, cache)
        return dx, dh_prev, None, g

    inp = x
    all_caches, inputs = [], []
    h_n = np.zeros((L * D, B, H))
    c_n = np.zeros((L * D, B, H))
    for l in range(L):
        inputs.append(inp)
        out = np.zeros((T, B, D * H))
        for d in range(D):
            k = l * D + d
            p = layer._cell_params(l, d)
            h, c = h0[k], (c0[k] if is_lstm else None)
            caches = {}
            for t in (range(T - 1, -1, -1) if d else range(T)):
                h, c, caches[t] = fwd(inp[t], h, c, p)
                out[t, :, d * H:(d + 1) * H] = h
            h_n[k] = h
            if is_lstm:
                c_n[k] = c
            all_caches.append(caches)
        inp = out
    y = inp

    grads = {}
    dh0, dc0 = np.zeros((L * D, B, H)), np.zeros((L * D, B, H))
    dout = dy
    for l in reversed(range(L)):
        din = np.zeros_like(inputs[l])
        for d in range(D):
            k = l * D + d
            p = layer._cell_params(l, d)
            g_sum = {name: np.zeros_like(v) for name, v in p.items()}
            dh_next = dh_n[k]
            dc_next = dc_n[k] if is_lstm else None
            for t in (range(T) if d else range(T - 1, -1, -1)):
                dx_t, dh_next, dc_next, g = bwd(dout[t, :, d * H:(d + 1) * H] + dh_next, dc_next,
                                                all_caches[k][t])
                din[t] += dx_t
                for name in g_sum:
                    g_sum[name] += g[name]
            dh0[k] = dh_next
            if is_lstm:
                dc0[k] = dc_next
            for name, v in g_sum.items():
                grads[name + layer._suffix(l, d)] = v
        dout = din
    if is_lstm:
        return y, (h_n, c_n), dout, (dh0, dc0), grads
    return y, h_n, dout, dh0, grads


def run_layer(layer, x, state, dy, dstate):
    """(y, state_n, dx, dstate_0, grads) from the layer's fast path."""
    y, s_n = layer.forward(x, state)
    dx, ds0 = layer.backward(dy, dstate)
    return y, s_n, dx, ds0, {k: v.copy() for k, v in layer.grads.items()}


def flat(result):
    """Flatten a (y, state, dx, dstate, grads) result into {name: array} for comparisons."""
    y, s, dx, ds, grads = result
    out = {"y": y, "dx": dx}
    for name, v in (("state_n", s), ("dstate_0", ds)):
        if isinstance(v, tuple):
            out[name + "_h"], out[name + "_c"] = v
        else:
            out[name] = v
    out.update({"grad_" + k: v for k, v in grads.items()})
    return out


def max_abs_diff(a, b):
    fa, fb = flat(a), flat(b)
    assert fa.keys() == fb.keys(), (sorted(fa), sorted(fb))
    return {k: float(np.max(np.abs(fa[k] - fb[k]), initial=0.0)) for k in fa}
