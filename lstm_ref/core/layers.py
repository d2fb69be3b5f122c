"""Sequence layers RNN, LSTM and GRU: stacked, bidirectional, PyTorch parameter names and layout, fast hoisted-matmul BPTT.

Shapes (time-major, as PyTorch with batch_first=False):

    x          (T, B, I)        input sequence
    y          (T, B, D*H)      top layer's outputs; D = 2 if bidirectional (reverse direction's H
                                columns come after the forward direction's)
    h0, h_n    (L*D, B, H)      initial / final hidden states, ordered l0, l0_reverse, l1, l1_reverse, ...
    c0, c_n    (L*D, B, H)      LSTM cell states, same order

Parameters live in ``layer.params`` under PyTorch's names ``weight_ih_l{k}`` (G*H, I_k),
``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` (G*H,), ``bias_hh_l{k}`` (G*H,), with the suffix
``_reverse`` for the reverse direction; I_0 = input_size and I_k = D*H above. G = 4 for the LSTM
(rows i, f, g, o), 3 for the GRU (r, z, n), 1 for the RNN. A peephole LSTM also has
``weight_ci_l{k}``, ``weight_cf_l{k}``, ``weight_co_l{k}`` of shape (H,) (no PyTorch counterpart).
``layer.state_dict()`` / ``layer.load_state_dict(d)`` exchange exactly these keys with PyTorch
(a torch state dict can be loaded directly: tensors are converted to numpy).

How the fast path works (one direction of one layer):

1. The input projection of every time step is one matmul before the loop: X W_ih^T + b, (T*B, I) x (I, G*H).
2. Each step does one fused (B, H) x (H, G*H) product for all gates, then element-wise work into
   preallocated buffers (``out=``). Sigmoid gates use sigma(a) = (1 + tanh(a/2)) / 2 with the 1/2
   folded into a scaled copy of their weight rows, so one tanh call covers all gates.
3. Backward keeps only the recurrent part in the time loop: per step one (B, G*H) x (G*H, H) product
   and a few element-wise products. The local derivatives (sigma', tanh', ...) are computed for a
   block of steps at a time (blocks sized to stay in the CPU cache), and every weight gradient is
   one matmul over all steps after the loop.
Internally the gate blocks are reordered (LSTM o, i, f, g; GRU z, r, n) so that the sigmoid gates,
and in backward the gates that multiply dc, are contiguous; parameters and gradients are always
returned in PyTorch's order.
The fast kernels are optional accelerations: every layer also runs through the generic unroll of
``registry.py`` (``fast=False``), which calls the teaching step functions of ``cells.py`` one step at
a time, and tests hold the kernels to it (≤ 1e-12). A cell without a kernel (``MGU``) always runs
through the unroll.
"""
import numpy as np

from ._validate import as_array, check_dtype
from .initializers import orthogonal_blocks, set_forget_bias, uniform_init
from .lstm_variants import LSTM_VARIANTS
from .registry import CELLS, unroll_backward, unroll_forward

__all__ = ["RNN", "LSTM", "GRU", "MGU", "LAYERS", "make_layer"]


def _to_numpy(v):
    """Accept numpy arrays, array-likes and torch tensors (converted with .detach().cpu().numpy())."""
    if hasattr(v, "detach") and hasattr(v, "cpu"):
        v = v.detach().cpu().numpy()
    return np.asarray(v)


def _steps(T, reverse):
    """Time indices in processing order, and the offsets (prev, out) into a (T+1, ...) state buffer.

    Forward direction: state buffer index t holds the state before step t, t+1 after it.
    Reverse direction: index t+1 holds the state before step t (which comes after t+1), t after it.
    """
    if reverse:
        return range(T - 1, -1, -1), 1, 0
    return range(T), 0, 1


def _prev_states(buf, T, reverse):
    """The state entering each step, as a (T, B, H) slice of the (T+1, B, H) buffer."""
    return buf[1:] if reverse else buf[:T]


def _out_states(buf, T, reverse):
    """The state leaving each step (the direction's output at time t), (T, B, H)."""
    return buf[:T] if reverse else buf[1:]


# Element-wise work on blocks of this many numbers stays in the L2 cache; vectorising over a whole
# (T, B, H) array instead streams it through memory several times (3x slower at B*H = 65536).
_BLOCK = 1 << 15


def _block_steps(T, step_size):
    """How many time steps of step_size numbers each make one cache-sized block (at least 1, at most T)."""
    return max(1, min(T, _BLOCK // max(1, step_size)))


def _backward_blocks(T, reverse, n):
    """Blocks (lo, hi, steps) of at most n time steps, in backward order (opposite to the forward's).

    Forward direction: backward runs t = T-1, ..., 0; reverse direction: t = 0, ..., T-1.
    """
    if reverse:
        for lo in range(0, T, n):
            hi = min(T, lo + n)
            yield lo, hi, range(lo, hi)
    else:
        for hi in range(T, 0, -n):
            lo = max(0, hi - n)
            yield lo, hi, range(hi - 1, lo - 1, -1)


# ================================================================================================
# LSTM kernels. Internal gate order (o, i, f, g): the three sigmoid gates are contiguous for the
# forward tanh trick, and the three gates multiplied by dc (i, f, g) are contiguous for backward.
# PyTorch order is (i, f, g, o) = blocks (0, 1, 2, 3); internal block k is PyTorch block _LSTM_BLOCKS[k].
_LSTM_BLOCKS = (3, 0, 1, 2)


def _rows(blocks, H):
    return np.concatenate([np.arange(b * H, (b + 1) * H) for b in blocks])


def _lstm_forward(x, p, h0, c0, reverse, variant="vanilla"):
    """One direction of one LSTM layer. x (T, B, I), h0/c0 (B, H) -> ys (T, B, H), h_T, c_T, cache."""
    T, B, I = x.shape
    H = h0.shape[1]
    dt = x.dtype
    perm = _rows(_LSTM_BLOCKS, H)
    scale = np.ones(4 * H, dtype=dt)
    scale[:3 * H] = 0.5                                  # sigmoid rows: tanh(a/2)
    Wi, Wh = p["weight_ih"][perm], p["weight_hh"][perm]  # unscaled, internal order (for backward)
    WhT_s = np.ascontiguousarray((Wh * scale[:, None]).T)            # (H, 4H)
    b_s = (p["bias_ih"] + p["bias_hh"])[perm] * scale
    peep = variant == "peephole"
    if peep:
        w_if_s = 0.5 * np.stack([p["weight_ci"], p["weight_cf"]])    # (2, H)
        w_o_s = 0.5 * p["weight_co"]

    gates = (x.reshape(T * B, I) @ (Wi * scale[:, None]).T).reshape(T, B, 4 * H)
    gates += b_s
    hs = np.empty((T + 1, B, H), dt)
    cs = np.empty((T + 1, B, H), dt)
    no_act = variant == "no_output_act"
    tcs = cs if no_act else np.empty((T + 1, B, H), dt)       # tanh(c) (or c itself: no_output_act)
    order, prv, out = _steps(T, reverse)
    hs[prv * T] = h0
    cs[prv * T] = c0
    tmp = np.empty((B, 4 * H), dt)
    ig = np.empty((B, H), dt)
    tmp2 = np.empty((B, 2, H), dt) if peep else None
    # (T, B, .) views made once: indexing them with [t] is much cheaper than slicing inside the loop
    O, Ig, F, Gc = (gates[:, :, k * H:(k + 1) * H] for k in range(4))
    SIG = gates[:, :, H:3 * H] if peep else gates[:, :, :3 * H]       # sigmoid gates of the first pass
    ACT = gates[:, :, H:] if peep else gates                           # gates of the first tanh pass
    IF4 = gates.reshape(T, B, 4, H)[:, :, 1:3]
    Hp, Cp = _prev_states(hs, T, reverse), _prev_states(cs, T, reverse)
    Ho, Co, TCo = _out_states(hs, T, reverse), _out_states(cs, T, reverse), _out_states(tcs, T, reverse)
    dot, add, mul, tanh = np.dot, np.add, np.multiply, np.tanh         # positional out=: less overhead
    for t in order:
        G, c_prev, c, o, i, f, g, a, s = gates[t], Cp[t], Co[t], O[t], Ig[t], F[t], Gc[t], ACT[t], SIG[t]
        dot(Hp[t], WhT_s, tmp)
        add(G, tmp, G)
        if peep:                                   # a_i += w_ci c_prev, a_f += w_cf c_prev
            mul(c_prev[:, None, :], w_if_s, tmp2)
            add(IF4[t], tmp2, IF4[t])
        tanh(a, a)
        mul(s, 0.5, s)                             # sigma(a) = (1 + tanh(a / 2)) / 2
        add(s, 0.5, s)
        if variant == "no_forget":
            f[...] = 1
        elif variant == "coupled":
            np.subtract(1, f, i)
        mul(f, c_prev, c)                          # c = f * c_prev + i * g
        mul(i, g, ig)
        add(c, ig, c)
        if peep:                                   # a_o += w_co c
            mul(c, w_o_s, ig)
            add(o, ig, o)
            tanh(o, o)
            mul(o, 0.5, o)
            add(o, 0.5, o)
        if no_act:
            mul(o, c, Ho[t])                       # h = o * c
        else:
            tanh(c, TCo[t])
            mul(o, TCo[t], Ho[t])                  # h = o * tanh(c)
    peep_w = tuple(p[k].copy() for k in ("weight_ci", "weight_cf", "weight_co")) if peep else None
    cache = dict(x=x, Wi=Wi, Wh=Wh, gates=gates, hs=hs, cs=cs, tcs=tcs, reverse=reverse,
                 variant=variant, peep_w=peep_w, perm=perm)
    return _out_states(hs, T, reverse), hs[(1 - prv) * T], cs[(1 - prv) * T], cache


def _lstm_backward(dys, dh_T, dc_T, cache):
    """Backward of _lstm_forward. dys (T, B, H) -> dx (T, B, I), dh0, dc0 (B, H), grads (single-layer names)."""
    x, Wi, Wh, gates, hs, cs, reverse, variant = (cache[k] for k in (
        "x", "Wi", "Wh", "gates", "hs", "cs", "reverse", "variant"))
    T, B, I = x.shape
    H = hs.shape[2]
    dt = x.dtype
    o, i, f, g = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
    c_prev_all, c_all = _prev_states(cs, T, reverse), _out_states(cs, T, reverse)
    tc_all = _out_states(cache["tcs"], T, reverse)
    peep = variant == "peephole"
    if peep:
        w_ci, w_cf, w_co = cache["peep_w"]

    # Local derivatives of a block of steps, vectorised over the block (blocks sized to stay in cache):
    #   da_o = dh * Q,  dc += dh * K,  [da_i, da_f, da_g] = dc * P,  dc_prev = dc * F
    n_max = _block_steps(T, B * H)
    Qb, Kb, t1, t2 = (np.empty((n_max, B, H), dt) for _ in range(4))
    Pb = np.empty((n_max, B, 3, H), dt)
    Fb = np.empty((n_max, B, H), dt) if peep else None

    def local_derivatives(lo, hi):
        n = hi - lo
        oo, ii, ff, gg, tc, cp = o[lo:hi], i[lo:hi], f[lo:hi], g[lo:hi], tc_all[lo:hi], c_prev_all[lo:hi]
        Q, K, P, a, b = Qb[:n], Kb[:n], Pb[:n], t1[:n], t2[:n]
        np.subtract(1, oo, a)
        np.multiply(a, oo, a)                    # sigma'(a_o) = o (1 - o)
        np.multiply(a, tc, Q)
        if variant == "no_output_act":
            K = oo
        else:
            np.multiply(tc, tc, a)
            np.subtract(1, a, a)
            np.multiply(a, oo, K)                # o * tanh'(c)
        np.subtract(1, ff, b)
        np.multiply(b, ff, b)                    # f (1 - f); 0 where f == 1 (no_forget)
        if variant == "coupled":                 # i = 1 - f: dL/da_f = dc (c_prev - g) f (1 - f), da_i = 0
            P[:, :, 0] = 0
            np.subtract(cp, gg, a)
            np.multiply(a, b, P[:, :, 1])
        else:
            np.subtract(1, ii, a)
            np.multiply(a, ii, a)
            np.multiply(a, gg, P[:, :, 0])       # g i (1 - i)
            np.multiply(cp, b, P[:, :, 1])       # c_prev f (1 - f)
        np.multiply(gg, gg, a)
        np.subtract(1, a, a)
        np.multiply(a, ii, P[:, :, 2])           # i (1 - g^2)
        F = ff
        if peep:                                 # a_o depends on c; a_i, a_f on c_prev
            np.multiply(Q, w_co, a)
            K = np.add(K, a, Kb[:n])
            F = Fb[:n]
            np.multiply(P[:, :, 0], w_ci, F)
            np.multiply(P[:, :, 1], w_cf, a)
            np.add(F, a, F)
            np.add(F, ff, F)
        return Q, K, P, F

    dG = np.empty((T, B, 4 * H), dt)
    dh = np.empty((B, H), dt)
    dc = np.empty((B, H), dt)
    dh_next = np.array(dh_T, dtype=dt)
    dc_next = np.array(dc_T, dtype=dt)
    dGo = dG[:, :, :H]
    dGifg = dG.reshape(T, B, 4, H)[:, :, 1:]
    dot, add, mul = np.dot, np.add, np.multiply
    for lo, hi, steps in _backward_blocks(T, reverse, n_max):   # steps in the opposite order of forward
        Q, K, P, F = local_derivatives(lo, hi)
        for t in steps:
            k = t - lo
            add(dys[t], dh_next, dh)                     # dL/dh_t: from above and from step t+1
            mul(dh, Q[k], dGo[t])                        # da_o
            mul(dh, K[k], dc)                            # dL/dc_t: through h_t ...
            add(dc, dc_next, dc)                         # ... and from step t+1
            mul(P[k], dc[:, None, :], dGifg[t])          # da_i, da_f, da_g
            mul(dc, F[k], dc_next)                       # dL/dc_{t-1}
            dot(dG[t], Wh, dh_next)                      # dL/dh_{t-1} through the gates

    dGf = dG.reshape(T * B, 4 * H)
    inv = np.argsort(cache["perm"])                      # internal order -> PyTorch order
    db = dGf.sum(0)[inv]
    grads = {"weight_ih": (dGf.T @ x.reshape(T * B, I))[inv],
             "weight_hh": (dGf.T @ _prev_states(hs, T, reverse).reshape(T * B, H))[inv],
             "bias_ih": db, "bias_hh": db.copy()}
    if variant == "peephole":
        grads["weight_ci"] = np.einsum("tbh,tbh->h", dG[..., H:2 * H], c_prev_all)
        grads["weight_cf"] = np.einsum("tbh,tbh->h", dG[..., 2 * H:3 * H], c_prev_all)
        grads["weight_co"] = np.einsum("tbh,tbh->h", dG[..., :H], c_all)
    dx = (dGf @ Wi).reshape(T, B, I)
    return dx, dh_next, dc_next, grads


# ================================================================================================
# GRU kernels. Internal gate order (z, r, n): sigmoid gates contiguous; in backward r and n blocks
# of the recurrent gradient are contiguous. PyTorch order is (r, z, n).
_GRU_BLOCKS = (1, 0, 2)


def _gru_forward(x, p, h0, c0, reverse, reset_after=True):
    """One direction of one GRU layer. x (T, B, I), h0 (B, H), c0 None -> ys (T, B, H), h_T, None, cache."""
    T, B, I = x.shape
    H = h0.shape[1]
    dt = x.dtype
    perm = _rows(_GRU_BLOCKS, H)
    scale = np.ones(3 * H, dtype=dt)
    scale[:2 * H] = 0.5
    Wi, Wh = p["weight_ih"][perm], p["weight_hh"][perm]
    b_ih, b_hh = p["bias_ih"][perm], p["bias_hh"][perm]
    b_hn = b_hh[2 * H:]
    gi = (x.reshape(T * B, I) @ (Wi * scale[:, None]).T).reshape(T, B, 3 * H)
    gi += b_ih * scale
    gi[..., :2 * H] += b_hh[:2 * H] * 0.5
    hs = np.empty((T + 1, B, H), dt)
    ZR = np.empty((T, B, 2 * H), dt)
    N = np.empty((T, B, H), dt)
    order, prv, out = _steps(T, reverse)
    hs[prv * T] = h0
    tmp = np.empty((B, H), dt)
    Hp, Ho = _prev_states(hs, T, reverse), _out_states(hs, T, reverse)
    GIzr, GIn = gi[:, :, :2 * H], gi[:, :, 2 * H:]
    Z, R = ZR[:, :, :H], ZR[:, :, H:]
    dot, add, mul, tanh = np.dot, np.add, np.multiply, np.tanh
    if reset_after:
        WhT_s = np.ascontiguousarray((Wh * scale[:, None]).T)          # (H, 3H)
        gh = np.empty((B, 3 * H), dt)
        gh_zr, gh_n = gh[:, :2 * H], gh[:, 2 * H:]
        GHN = np.empty((T, B, H), dt)                                    # W_hn h_prev + b_hn
        for t in order:
            h_prev, zr, ghn, n = Hp[t], ZR[t], GHN[t], N[t]
            dot(h_prev, WhT_s, gh)
            add(GIzr[t], gh_zr, zr)
            tanh(zr, zr)
            mul(zr, 0.5, zr)                                             # [z, r] = sigma(...)
            add(zr, 0.5, zr)
            add(gh_n, b_hn, ghn)
            mul(R[t], ghn, n)
            add(n, GIn[t], n)
            tanh(n, n)                                                   # n = tanh(gi_n + r * ghn)
            np.subtract(h_prev, n, tmp)
            mul(tmp, Z[t], tmp)
            add(n, tmp, Ho[t])                                           # h = n + z * (h_prev - n)
        extra = GHN
    else:
        WzrT_s = np.ascontiguousarray((Wh[:2 * H] * 0.5).T)            # (H, 2H)
        WnT = np.ascontiguousarray(Wh[2 * H:].T)                         # (H, H)
        RH = np.empty((T, B, H), dt)                                     # r * h_prev
        for t in order:
            h_prev, zr, rh, n = Hp[t], ZR[t], RH[t], N[t]
            dot(h_prev, WzrT_s, zr)
            add(zr, GIzr[t], zr)
            tanh(zr, zr)
            mul(zr, 0.5, zr)
            add(zr, 0.5, zr)
            mul(R[t], h_prev, rh)
            dot(rh, WnT, n)
            add(n, b_hn, n)
            add(n, GIn[t], n)
            tanh(n, n)                                                   # n = tanh(gi_n + W_hn (r h) + b_hn)
            np.subtract(h_prev, n, tmp)
            mul(tmp, Z[t], tmp)
            add(n, tmp, Ho[t])
        extra = RH
    cache = dict(x=x, Wi=Wi, Wh=Wh, hs=hs, ZR=ZR, N=N, extra=extra, reverse=reverse,
                 reset_after=reset_after, perm=perm)
    return _out_states(hs, T, reverse), hs[(1 - prv) * T], None, cache


def _gru_backward(dys, dh_T, dc_T, cache):
    """Backward of _gru_forward. dys (T, B, H) -> dx (T, B, I), dh0 (B, H), None, grads."""
    x, Wi, Wh, hs, ZR, N, reverse = (cache[k] for k in ("x", "Wi", "Wh", "hs", "ZR", "N", "reverse"))
    T, B, I = x.shape
    H = hs.shape[2]
    dt = x.dtype
    z, r = ZR[..., :H], ZR[..., H:]
    h_prev_all = _prev_states(hs, T, reverse)
    reset_after, extra = cache["reset_after"], cache["extra"]       # extra: W_hn h + b_hn, or r * h

    # Local derivatives of a block of steps (see _lstm_backward):
    #   da_n = dh * A,  da_z = dh * Bz,  and  [da_r, d(W_hn h + b_hn)] = da_n * RR  (reset after)
    #                                    or   da_r = d(r h) * h_prev * SR             (reset before)
    n_max = _block_steps(T, B * H)
    Ab, Bb, t1 = (np.empty((n_max, B, H), dt) for _ in range(3))
    RRb = np.empty((n_max, B, 2, H), dt)

    def local_derivatives(lo, hi):
        n = hi - lo
        zz, rr, nn, hp = z[lo:hi], r[lo:hi], N[lo:hi], h_prev_all[lo:hi]
        A, Bz, RR, a = Ab[:n], Bb[:n], RRb[:n], t1[:n]
        np.multiply(nn, nn, a)
        np.subtract(1, a, a)
        np.subtract(1, zz, A)
        np.multiply(A, a, A)                     # (1 - z) tanh'(a_n)
        np.subtract(1, zz, a)
        np.multiply(a, zz, a)
        np.subtract(hp, nn, Bz)
        np.multiply(Bz, a, Bz)                   # (h_prev - n) z (1 - z)
        np.subtract(1, rr, a)
        np.multiply(a, rr, RR[:, :, 0])          # r (1 - r)
        if reset_after:
            np.multiply(RR[:, :, 0], extra[lo:hi], RR[:, :, 0])
            RR[:, :, 1] = rr
        return A, Bz, RR

    dh = np.empty((B, H), dt)
    tmp = np.empty((B, H), dt)
    dh_next = np.array(dh_T, dtype=dt)
    dGH = np.empty((T, B, 3 * H), dt)                    # d(recurrent pre-activations) [z, r, n]
    dGz = dGH[:, :, :H]
    dot, add, mul = np.dot, np.add, np.multiply
    if reset_after:
        dGI = np.empty((T, B, 3 * H), dt)                # d(input pre-activations) [z, r, n]
        dN = dGI[:, :, 2 * H:]                           # da_n goes to the input side only
        dGrn = dGH.reshape(T, B, 3, H)[:, :, 1:]
    else:
        dGI = dGH
        Wzr, Wn = Wh[:2 * H], Wh[2 * H:]
        dGzr, dGr, dN = dGH[:, :, :2 * H], dGH[:, :, H:2 * H], dGH[:, :, 2 * H:]
        drh = np.empty((B, H), dt)
    for lo, hi, steps in _backward_blocks(T, reverse, n_max):
        A, Bz, RR = local_derivatives(lo, hi)
        for t in steps:
            k = t - lo
            add(dys[t], dh_next, dh)
            mul(dh, A[k], dN[t])                         # da_n
            mul(dh, Bz[k], dGz[t])                       # da_z
            if reset_after:
                mul(RR[k], dN[t][:, None, :], dGrn[t])   # da_r, d(W_hn h + b_hn)
                dot(dGH[t], Wh, dh_next)
            else:
                dot(dN[t], Wn, drh)                      # d(r * h_prev)
                mul(drh, h_prev_all[t], dGr[t])
                mul(dGr[t], RR[k, :, 0], dGr[t])         # da_r
                dot(dGzr[t], Wzr, dh_next)
                mul(drh, r[t], drh)
                add(dh_next, drh, dh_next)
            mul(dh, z[t], tmp)
            add(dh_next, tmp, dh_next)                   # + dh * z  (h = ... + z h_prev)
    if reset_after:
        dGI[:, :, :2 * H] = dGH[:, :, :2 * H]
        dWh = dGH.reshape(T * B, 3 * H).T @ h_prev_all.reshape(T * B, H)
    else:
        dGf = dGH.reshape(T * B, 3 * H)
        dWh = np.concatenate([dGf[:, :2 * H].T @ h_prev_all.reshape(T * B, H),
                              dGf[:, 2 * H:].T @ extra.reshape(T * B, H)], axis=0)
    inv = np.argsort(cache["perm"])
    dGIf = dGI.reshape(T * B, 3 * H)
    grads = {"weight_ih": (dGIf.T @ x.reshape(T * B, I))[inv], "weight_hh": dWh[inv],
             "bias_ih": dGIf.sum(0)[inv], "bias_hh": dGH.reshape(T * B, 3 * H).sum(0)[inv]}
    dx = (dGIf @ Wi).reshape(T, B, I)
    return dx, dh_next, None, grads


# ================================================================================================
# RNN kernels.

def _rnn_forward(x, p, h0, c0, reverse, nonlinearity="tanh"):
    """One direction of one Elman RNN layer. x (T, B, I), h0 (B, H), c0 None -> ys (T, B, H), h_T, None, cache."""
    T, B, I = x.shape
    H = h0.shape[1]
    dt = x.dtype
    A = (x.reshape(T * B, I) @ p["weight_ih"].T).reshape(T, B, H)
    A += p["bias_ih"] + p["bias_hh"]
    WhT = np.ascontiguousarray(p["weight_hh"].T)
    hs = np.empty((T + 1, B, H), dt)
    order, prv, out = _steps(T, reverse)
    hs[prv * T] = h0
    tmp = np.empty((B, H), dt)
    Hp, Ho = _prev_states(hs, T, reverse), _out_states(hs, T, reverse)
    act = np.tanh if nonlinearity == "tanh" else (lambda a, out: np.maximum(a, 0, out=out))
    for t in order:
        a = A[t]
        np.dot(Hp[t], WhT, tmp)
        np.add(a, tmp, a)
        act(a, Ho[t])
    cache = dict(x=x, p=p, hs=hs, reverse=reverse, nonlinearity=nonlinearity)
    return _out_states(hs, T, reverse), hs[(1 - prv) * T], None, cache


def _rnn_backward(dys, dh_T, dc_T, cache):
    """Backward of _rnn_forward. dys (T, B, H) -> dx (T, B, I), dh0 (B, H), None, grads."""
    x, p, hs, reverse = cache["x"], cache["p"], cache["hs"], cache["reverse"]
    T, B, I = x.shape
    H = hs.shape[2]
    dt = x.dtype
    h_out = _out_states(hs, T, reverse)
    tanh = cache["nonlinearity"] == "tanh"
    Wh = p["weight_hh"]
    dA = np.empty((T, B, H), dt)
    dh = np.empty((B, H), dt)
    dh_next = np.array(dh_T, dtype=dt)
    n_max = _block_steps(T, B * H)
    Db = np.empty((n_max, B, H), dt)
    for lo, hi, steps in _backward_blocks(T, reverse, n_max):
        D, hh = Db[:hi - lo], h_out[lo:hi]
        if tanh:                                         # tanh'(a) = 1 - h^2
            np.multiply(hh, hh, D)
            np.subtract(1, D, D)
        else:                                            # relu'(a) = 1 where h > 0
            np.greater(hh, 0, D)
        for t in steps:
            np.add(dys[t], dh_next, dh)
            np.multiply(dh, D[t - lo], dA[t])
            np.dot(dA[t], Wh, dh_next)
    dAf = dA.reshape(T * B, H)
    db = dAf.sum(0)
    grads = {"weight_ih": dAf.T @ x.reshape(T * B, I),
             "weight_hh": dAf.T @ _prev_states(hs, T, reverse).reshape(T * B, H),
             "bias_ih": db, "bias_hh": db.copy()}
    return (dAf @ p["weight_ih"]).reshape(T, B, I), dh_next, None, grads


# ================================================================================================
# Layers.

class _Recurrent:
    """Shared machinery of every layer: parameters, validation, stacking and directions.

    A subclass names its registered cell (``kind``, a key of ``registry.CELLS``), which gives the
    number of gate blocks, whether there is a cell state and the cell's options (attributes of the
    layer). It runs through the generic unroll unless it has fast kernels (``_kernels``: forward and
    backward with the signatures of ``registry.unroll_forward`` / ``unroll_backward``, taking the
    cell's options as keywords) and ``self.fast`` is true.
    """

    kind = None
    _kernels = None           # (forward, backward) fast kernels, or None: the generic unroll only

    @property
    def _gates(self):
        return CELLS[self.kind].gates

    @property
    def _has_cell(self):
        return CELLS[self.kind].has_cell

    def cell_options(self):
        """The options of this layer's cell, as the step functions take them (e.g. {"variant": ...})."""
        return {name: getattr(self, name) for name in CELLS[self.kind].options}

    def _kernel_forward(self, x, p, h0, c0, reverse):
        if self.fast and self._kernels is not None:
            return self._kernels[0](x, p, h0, c0, reverse, **self.cell_options())
        return unroll_forward(self.kind, x, p, h0, c0, reverse, **self.cell_options())

    def _kernel_backward(self, dys, dh_T, dc_T, cache):
        if "caches" in cache:                           # the cache of the generic unroll
            return unroll_backward(dys, dh_T, dc_T, cache)[:4]
        return self._kernels[1](dys, dh_T, dc_T, cache)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64,
                 seed=0, init="pytorch", fast=True):
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if init not in ("pytorch", "orthogonal"):
            raise ValueError(f"init must be 'pytorch' or 'orthogonal', got {init!r}")
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dtype = check_dtype(dtype)
        self.seed, self.init = seed, init
        self.fast = bool(fast)
        rng = np.random.default_rng(seed)
        G, H = self._gates, self.hidden_size
        self.params = {}
        for l in range(self.num_layers):
            in_l = self.input_size if l == 0 else H * self.num_directions
            for d in range(self.num_directions):
                sfx = self._suffix(l, d)
                self.params["weight_ih" + sfx] = uniform_init(rng, (G * H, in_l), H, self.dtype)
                self.params["weight_hh" + sfx] = (orthogonal_blocks(rng, G, H, self.dtype) if init == "orthogonal"
                                                  else uniform_init(rng, (G * H, H), H, self.dtype))
                self.params["bias_ih" + sfx] = uniform_init(rng, (G * H,), H, self.dtype)
                self.params["bias_hh" + sfx] = uniform_init(rng, (G * H,), H, self.dtype)
                for name in self._extra_params():
                    self.params[name + sfx] = uniform_init(rng, (H,), H, self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._cache = None

    # -- names and shapes ------------------------------------------------------------------------
    @staticmethod
    def _suffix(l, d):
        return f"_l{l}" + ("_reverse" if d else "")

    def _extra_params(self):
        return ()

    def _param_shapes(self):
        """{key: (shape, labels)} of every parameter, in PyTorch's order."""
        G, H, D = self._gates, self.hidden_size, self.num_directions
        shapes = {}
        for l in range(self.num_layers):
            in_l = self.input_size if l == 0 else H * D
            for d in range(D):
                sfx = self._suffix(l, d)
                shapes["weight_ih" + sfx] = ((G * H, in_l), ("G*H", "I" if l == 0 else "D*H"))
                shapes["weight_hh" + sfx] = ((G * H, H), ("G*H", "H"))
                shapes["bias_ih" + sfx] = ((G * H,), ("G*H",))
                shapes["bias_hh" + sfx] = ((G * H,), ("G*H",))
                for name in self._extra_params():
                    shapes[name + sfx] = ((H,), ("H",))
        return shapes

    def _cell_params(self, l, d):
        """The single-layer dict (weight_ih, weight_hh, ...) of layer l, direction d (views, not copies)."""
        sfx = self._suffix(l, d)
        return {k[: -len(sfx)]: v for k, v in self.params.items() if k.endswith(sfx)}

    def __repr__(self):
        extra = "".join(f", {k}={v!r}" for k, v in self._repr_extra().items())
        return (f"{type(self).__name__}({self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"bidirectional={self.bidirectional}, dtype=np.{self.dtype}{extra})")

    def _repr_extra(self):
        return self.cell_options()

    # -- state dict --------------------------------------------------------------------------------
    def state_dict(self):
        """A copy of the parameters: {PyTorch key: numpy array}."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy parameters in from a dict with exactly this layer's keys (numpy arrays or torch tensors).

        Float arrays are cast to the layer's dtype; the parameter arrays are updated in place.
        Unknown or missing keys -> ValueError naming them; wrong shape -> ValueError naming the key,
        the expected and the actual shape; non-float values -> TypeError.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict of arrays, got {type(state_dict).__name__}")
        shapes = self._param_shapes()
        unknown = sorted(set(state_dict) - set(shapes))
        missing = [k for k in shapes if k not in state_dict]
        if unknown or missing:
            raise ValueError(f"state_dict keys do not match {type(self).__name__}: unknown keys {unknown}, "
                             f"missing keys {missing}; expected keys {list(shapes)}")
        new = {}
        for k, (shape, labels) in shapes.items():
            v = _to_numpy(state_dict[k])
            new[k] = as_array(f"state_dict['{k}']", v, shape, labels)
        for k, v in new.items():
            self.params[k][...] = v.astype(self.dtype, copy=False)

    # -- validation ----------------------------------------------------------------------------------
    def _check_params(self):
        shapes = self._param_shapes()
        for k, (shape, labels) in shapes.items():
            if k not in self.params:
                raise ValueError(f"params is missing key {k!r} of shape {shape}")
            as_array(f"params['{k}']", self.params[k], shape, labels, self.dtype)

    def _check_state(self, name, s, B):
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        if s is None:
            return np.zeros((LD, B, H), self.dtype)
        return as_array(name, s, (LD, B, H), ("L*D", "B", "H"), self.dtype)

    def _check_input(self, x):
        self._check_params()
        return as_array("x", x, (None, None, self.input_size), ("T", "B", "I"), self.dtype)

    # -- the stack ---------------------------------------------------------------------------------
    def _run_forward(self, x, h0, c0):
        """Run every layer and direction. Returns y (T, B, D*H), h_n, c_n (L*D, B, H) (c_n None if no cell)."""
        T, B, _ = x.shape
        H, D, L = self.hidden_size, self.num_directions, self.num_layers
        h_n = np.empty((L * D, B, H), self.dtype)
        c_n = np.empty((L * D, B, H), self.dtype) if self._has_cell else None
        caches = []
        inp = x
        for l in range(L):
            y = np.empty((T, B, D * H), self.dtype)
            for d in range(D):
                k = l * D + d
                ys, hT, cT, cache = self._kernel_forward(inp, self._cell_params(l, d), h0[k],
                                                         None if c0 is None else c0[k], bool(d))
                y[:, :, d * H:(d + 1) * H] = ys
                h_n[k] = hT
                if c_n is not None:
                    c_n[k] = cT
                caches.append(cache)
            inp = y
        self._cache = {"caches": caches, "x_shape": x.shape}
        return inp, h_n, c_n

    def _run_backward(self, dy, dh_n, dc_n):
        """Backpropagate through the stack. Returns dx (T, B, I), dh0, dc0 (L*D, B, H); sets self.grads."""
        if self._cache is None:
            raise ValueError(f"dy: backward() was called before forward(); run forward(x) first so that "
                             f"dy's expected shape (T, B, D*H=...) is known (got dy of shape {np.shape(dy)})")
        T, B, _ = self._cache["x_shape"]
        H, D, L = self.hidden_size, self.num_directions, self.num_layers
        if dy is None:
            dy = np.zeros((T, B, D * H), self.dtype)
        else:
            dy = as_array("dy", dy, (T, B, D * H), ("T", "B", "D*H"), self.dtype)
        dh_n = self._check_state("dh_n", dh_n, B)
        if self._has_cell:
            dc_n = self._check_state("dc_n", dc_n, B)
        dh0 = np.empty((L * D, B, H), self.dtype)
        dc0 = np.empty((L * D, B, H), self.dtype) if self._has_cell else None
        grads = {}
        caches = self._cache["caches"]
        for l in reversed(range(L)):
            dinp = None
            for d in range(D):
                k = l * D + d
                dx_d, dh_0, dc_0, g = self._kernel_backward(dy[:, :, d * H:(d + 1) * H], dh_n[k],
                                                            None if dc_n is None else dc_n[k], caches[k])
                dinp = dx_d if dinp is None else dinp + dx_d
                dh0[k] = dh_0
                if dc0 is not None:
                    dc0[k] = dc_0
                sfx = self._suffix(l, d)
                for name, v in g.items():
                    grads[name + sfx] = v
            dy = dinp
        for k in self.params:               # overwrite (new arrays), in PyTorch's key order
            self.grads[k] = grads[k]
        return dy, dh0, dc0


class LSTM(_Recurrent):
    """Long short-term memory layer, numerically identical to ``torch.nn.LSTM`` (batch_first=False).

    LSTM(input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64, seed=0,
         variant="vanilla", forget_bias=0.0, init="pytorch")

    variant:     "vanilla" (PyTorch), "no_forget" (f = 1), "coupled" (i = 1 - f), "no_output_act"
                 (h = o * c), "peephole" (adds weight_ci/cf/co_l{k} of shape (H,)); see
                 ``lstm_step_forward``. Unused gate rows (f for no_forget, i for coupled) stay in the
                 4H layout, are ignored and get zero gradients.
    init:        "pytorch": every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)) drawn from
                 np.random.default_rng(seed); "orthogonal": each (H, H) gate block of weight_hh is a
                 random orthogonal matrix (the rest as "pytorch").
    forget_bias: the total initial forget-gate bias b_f: the f block (rows H:2H) of bias_ih is set to
                 forget_bias and that of bias_hh to 0 (so b_ih + b_hh = forget_bias exactly; the default
                 0.0 gives b_f = 0). forget_bias=None keeps PyTorch's random forget biases.

    forward(x, state=None) -> y, (h_n, c_n)
        x (T, B, I); state None (zeros) or (h0, c0) each (L*D, B, H) or None.
        y (T, B, D*H); h_n, c_n (L*D, B, H). T = 0 gives an empty y and h_n, c_n = h0, c0.
    backward(dy, dstate=None) -> dx, (dh0, dc0)
        dy (T, B, D*H) or None (zeros); dstate None or (dh_n, dc_n) each (L*D, B, H) or None.
        Gradients of the last forward; OVERWRITES ``self.grads`` (same keys as ``self.params``).
    """

    kind = "lstm"
    _kernels = (_lstm_forward, _lstm_backward)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64,
                 seed=0, variant="vanilla", forget_bias=0.0, init="pytorch", fast=True):
        if variant not in LSTM_VARIANTS:
            raise ValueError(f"variant must be one of {LSTM_VARIANTS}, got {variant!r}")
        self.variant = variant
        self.forget_bias = forget_bias
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, init, fast)
        if forget_bias is not None:
            for k in list(self.params):
                if k.startswith("bias_ih"):
                    kh = "bias_hh" + k[len("bias_ih"):]
                    self.params[k], self.params[kh] = set_forget_bias(self.params[k], self.params[kh],
                                                                      forget_bias)

    def _extra_params(self):
        return ("weight_ci", "weight_cf", "weight_co") if self.variant == "peephole" else ()

    def _repr_extra(self):
        return {"variant": self.variant, "forget_bias": self.forget_bias}

    def forward(self, x, state=None):
        """x (T, B, I), state None or (h0, c0) -> y (T, B, D*H), (h_n, c_n) each (L*D, B, H)."""
        x = self._check_input(x)
        h0, c0 = self._split_state("state", state)
        B = x.shape[1]
        h0, c0 = self._check_state("h0", h0, B), self._check_state("c0", c0, B)
        y, h_n, c_n = self._run_forward(x, h0, c0)
        return y, (h_n, c_n)

    def backward(self, dy, dstate=None):
        """dy (T, B, D*H) or None, dstate None or (dh_n, dc_n) -> dx (T, B, I), (dh0, dc0)."""
        dh_n, dc_n = self._split_state("dstate", dstate)
        dx, dh0, dc0 = self._run_backward(dy, dh_n, dc_n)
        return dx, (dh0, dc0)

    def _split_state(self, name, state):
        if state is None:
            return None, None
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"{name} must be None or a pair (h, c) of arrays of shape (L*D, B, H), "
                            f"got {type(state).__name__}")
        return state


class GRU(_Recurrent):
    """Gated recurrent unit layer, numerically identical to ``torch.nn.GRU`` when reset_after=True.

    GRU(input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64, seed=0,
        reset_after=True, init="pytorch")

    reset_after=True:  n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   (PyTorch, cuDNN)
    reset_after=False: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)   (Cho et al. 2014)
    Same parameter names and shapes in both conventions (gate rows r, z, n).

    forward(x, h0=None) -> y (T, B, D*H), h_n (L*D, B, H)
    backward(dy, dh_n=None) -> dx (T, B, I), dh0 (L*D, B, H); OVERWRITES ``self.grads``.
    """

    kind = "gru"
    _kernels = (_gru_forward, _gru_backward)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64,
                 seed=0, reset_after=True, init="pytorch", fast=True):
        self.reset_after = bool(reset_after)
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, init, fast)


    def forward(self, x, h0=None):
        """x (T, B, I), h0 None or (L*D, B, H) -> y (T, B, D*H), h_n (L*D, B, H)."""
        x = self._check_input(x)
        h0 = self._check_state("h0", h0, x.shape[1])
        y, h_n, _ = self._run_forward(x, h0, None)
        return y, h_n

    def backward(self, dy, dh_n=None):
        """dy (T, B, D*H) or None, dh_n None or (L*D, B, H) -> dx (T, B, I), dh0 (L*D, B, H)."""
        dx, dh0, _ = self._run_backward(dy, dh_n, None)
        return dx, dh0


class RNN(_Recurrent):
    """Elman RNN layer h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), identical to ``torch.nn.RNN``.

    RNN(input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64, seed=0,
        nonlinearity="tanh", init="pytorch")      # nonlinearity "tanh" or "relu"

    forward(x, h0=None) -> y (T, B, D*H), h_n (L*D, B, H)
    backward(dy, dh_n=None) -> dx (T, B, I), dh0 (L*D, B, H); OVERWRITES ``self.grads``.
    """

    kind = "rnn"
    _kernels = (_rnn_forward, _rnn_backward)

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64,
                 seed=0, nonlinearity="tanh", init="pytorch", fast=True):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, init, fast)

    forward = GRU.forward
    backward = GRU.backward


class MGU(_Recurrent):
    """Minimal gated unit layer (Zhou, Wu, Zhang & Zhou 2016), run by the generic unroll of its step.

    MGU(input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64, seed=0,
        init="pytorch")

    f = sigma(W_if x + b_if + W_hf h + b_hf);  n = tanh(W_in x + b_in + W_hn (f * h) + b_hn);
    h' = (1 - f) * h + f * n. Parameters as the GRU's with two gate blocks (rows f, n):
    weight_ih_l{k} (2H, I_k), weight_hh_l{k} (2H, H), bias_ih_l{k}, bias_hh_l{k} (2H,).

    forward(x, h0=None) -> y (T, B, D*H), h_n (L*D, B, H)
    backward(dy, dh_n=None) -> dx (T, B, I), dh0 (L*D, B, H); OVERWRITES ``self.grads``.
    """

    kind = "mgu"

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=False, dtype=np.float64,
                 seed=0, init="pytorch"):
        super().__init__(input_size, hidden_size, num_layers, bidirectional, dtype, seed, init, fast=False)

    forward = GRU.forward
    backward = GRU.backward


#: The layer class of every registered cell kind.
LAYERS = {cls.kind: cls for cls in (RNN, LSTM, GRU, MGU)}


def make_layer(kind, input_size, hidden_size, **kwargs):
    """The layer of a registered cell kind: ``LAYERS[kind](input_size, hidden_size, **kwargs)``."""
    if kind not in LAYERS:
        raise ValueError(f"kind must be one of {sorted(LAYERS)}, got {kind!r}")
    return LAYERS[kind](input_size, hidden_size, **kwargs)
