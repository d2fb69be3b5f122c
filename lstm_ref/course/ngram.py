"""Counting language models over character ids, in plain numpy: the baselines an LSTM must beat.

Both models score sequences the way ``lstm_ref.tang`` does: each sequence is one poem
``[sep] + body + [sep]`` (ids), and the targets are every id after the first, predicted from the
ids before it in the same sequence only.

* ``UnigramLM``: p(w) = (c(w) + 1) / (N + V) (add-one, so an unseen id keeps some mass).
* ``KneserNeyLM``: interpolated Kneser-Ney of order n (Kneser & Ney 1995; Chen & Goodman 1999,
  eq. 16-17), one absolute discount D for every order:

      p_k(w | h) = max(c_k(h w) - D, 0) / c_k(h) + D * N1+(h .) / c_k(h) * p_{k-1}(w | h')

  where h' drops the oldest character of h, c_n is the raw count at the highest order, c_k for
  k < n the continuation count N1+(. h w) (in how many distinct contexts h w was seen), N1+(h .)
  the number of distinct ids seen after h, p_0 = 1/V; a context never seen (c_k(h) = 0) passes
  p_{k-1} through. Every p_k sums to one over the V ids. The first target of a sequence has the
  context [sep] * (n - 1): sequences are padded with n - 2 extra separators in front, in training
  and in scoring alike.
"""
import numpy as np

__all__ = ["UnigramLM", "KneserNeyLM"]


def _check_seqs(seqs, vocab_size):
    seqs = [np.asarray(s) for s in seqs]
    for i, s in enumerate(seqs):
        if s.ndim != 1 or s.dtype.kind not in "iu" or len(s) < 2:
            raise ValueError(f"seqs[{i}] must be an integer array of shape (N >= 2,), "
                             f"got dtype {s.dtype} with shape {s.shape}")
        if s.min() < 0 or s.max() >= vocab_size:
            raise ValueError(f"seqs[{i}] must lie in [0, {vocab_size}), got "
                             f"[{s.min()}, {s.max()}]")
    return seqs


class UnigramLM:
    """Add-one unigram model over ``vocab_size`` ids. ``fit(seqs)`` counts the targets
    (every id after the first of each sequence); ``poem_nll(seqs)`` -> (nats per sequence, targets
    per sequence), float64 arrays."""

    def __init__(self, vocab_size):
        self.vocab_size = int(vocab_size)
        self.logp = None

    def fit(self, seqs):
        seqs = _check_seqs(seqs, self.vocab_size)
        c = np.bincount(np.concatenate([s[1:] for s in seqs]), minlength=self.vocab_size)
        self.logp = np.log((c + 1.0) / (c.sum() + self.vocab_size))
        return self

    def poem_nll(self, seqs):
        seqs = _check_seqs(seqs, self.vocab_size)
        nll = np.array([-self.logp[s[1:]].sum() for s in seqs])
        return nll, np.array([len(s) - 1 for s in seqs], dtype=float)


def _windows(seqs, order, pad):
    """(contexts (N, order-1), targets (N,)) of every target, sequences padded in front."""
    ctx, tgt = [], []
    for s in seqs:
        p = np.concatenate([np.full(order - 2, pad, dtype=np.int64), s]) if order > 2 else s
        w = np.lib.stride_tricks.sliding_window_view(p, order) if order > 1 else p[1:, None]
        ctx.append(w[:, :-1])
        tgt.append(w[:, -1])
    return np.concatenate(ctx).astype(np.uint64), np.concatenate(tgt).astype(np.uint64)


def _keys(cols, V):
    """uint64 key of each row of an (N, k) id array (base V; exact while V**k < 2**64)."""
    key = np.zeros(cols.shape[0], dtype=np.uint64)
    for j in range(cols.shape[1]):
        key = key * np.uint64(V) + cols[:, j]
    return key


def _lookup(table_keys, table_vals, keys):
    i = np.searchsorted(table_keys, keys)
    i = np.minimum(i, len(table_keys) - 1)
    found = table_keys[i] == keys if len(table_keys) else np.zeros(len(keys), bool)
    return np.where(found, table_vals[i] if len(table_keys) else 0, 0)


class KneserNeyLM:
    """Interpolated Kneser-Ney character model of order n >= 2 (see the module docstring).

    KneserNeyLM(order, vocab_size, pad=0).fit(seqs); poem_nll(seqs, discount) ->
    (nats per sequence, targets per sequence). The discount is given at scoring time, so one fit
    serves a whole grid of discounts. ``log_probs(context, discount)`` gives the (V,) log
    distribution of the next id after a context (a 1-D id array, padded as in training).
    """

    def __init__(self, order, vocab_size, pad=0):
        if int(order) < 2:
            raise ValueError(f"order must be >= 2, got {order}")
        if float(vocab_size) ** order >= 2.0 ** 64:
            raise ValueError(f"order must keep vocab_size**order below 2**64, got "
                             f"{vocab_size}**{order}")
        self.order, self.vocab_size, self.pad = int(order), int(vocab_size), int(pad)
        self.tables = None

    def fit(self, seqs):
        seqs = _check_seqs(seqs, self.vocab_size)
        n, V = self.order, self.vocab_size
        ctx, tgt = _windows(seqs, n, self.pad)
        grams = np.column_stack([ctx, tgt])                  # (N, n) every n-gram occurrence
        self.tables = {}
        # highest order: raw counts; lower orders: continuation counts N1+(. h w), the number of
        # distinct (k+1)-grams whose last k ids are h w (key % V**k drops the oldest id)
        ukeys, counts = np.unique(_keys(grams, V), return_counts=True)
        for k in range(n, 0, -1):
            if k < n:
                ukeys, counts = np.unique(ukeys % np.uint64(V ** k), return_counts=True)
            ctx_keys = ukeys // np.uint64(V)                 # the k-gram's context (k-1 ids)
            cu, inv = np.unique(ctx_keys, return_inverse=True)
            totals = np.bincount(inv, weights=counts).astype(np.float64)
            types = np.bincount(inv).astype(np.float64)
            self.tables[k] = (ukeys, counts.astype(np.float64), cu, totals, types)
        return self

    def _probs(self, ctx, tgt, discount):
        """p(tgt | ctx) for rows of ctx (N, n-1) uint64 and tgt (N,) uint64."""
        if self.tables is None:
            raise ValueError("KneserNeyLM must be fitted (call fit) before scoring")
        if not 0.0 < discount < 1.0:
            raise ValueError(f"discount must be in (0, 1), got {discount}")
        V, D = self.vocab_size, float(discount)
        p = np.full(len(tgt), 1.0 / V)
        for k in range(1, self.order + 1):
            ukeys, counts, cu, totals, types = self.tables[k]
            h = _keys(ctx[:, ctx.shape[1] - (k - 1):], V) if k > 1 else np.zeros(len(tgt), np.uint64)
            c = _lookup(ukeys, counts, h * np.uint64(V) + tgt)
            tot = _lookup(cu, totals, h)
            typ = _lookup(cu, types, h)
            seen = tot > 0
            safe = np.where(seen, tot, 1.0)
            p = np.where(seen, np.maximum(c - D, 0.0) / safe + D * typ / safe * p, p)
        return p

    def poem_nll(self, seqs, discount):
        seqs = _check_seqs(seqs, self.vocab_size)
        ctx, tgt = _windows(seqs, self.order, self.pad)
        nats = -np.log(self._probs(ctx, tgt, discount))
        lens = np.array([len(s) - 1 for s in seqs])
        return np.add.reduceat(nats, np.concatenate([[0], np.cumsum(lens)[:-1]])), lens.astype(float)

    def log_probs(self, context, discount):
        """(V,) log p(. | context); context a 1-D id array (its last n-1 ids are used)."""
        context = np.asarray(context, dtype=np.int64)
        pad = np.full(max(0, self.order - 1 - len(context)), self.pad, dtype=np.int64)
        h = np.concatenate([pad, context])[len(context) + len(pad) - (self.order - 1):]
        ctx = np.broadcast_to(h.astype(np.uint64), (self.vocab_size, self.order - 1))
        return np.log(self._probs(np.ascontiguousarray(ctx),
                                  np.arange(self.vocab_size, dtype=np.uint64), discount))
