"""The Tang-poem corpus of chapter 08 and the multi-layer character LSTM trained on it.

Corpus: ``lstm_ref/data/tang_corpus.json.gz``, the regulated poems (4 or 8 verses of 5 or 7
characters) of the 全唐诗 in the npm package chinese-poetry 2.0.1, in simplified characters, split
90/5/5 by a hash of the text (``scripts/build_tang_corpus.py``; provenance in
``lstm_ref/data/TANG_CORPUS_SOURCE.md``).

Every poem is one sequence ``"\\n" + body + "\\n"``: the first "\\n" starts the poem, the last
one ends it. A model predicts the body's characters and the final "\\n" (``len(body) + 1``
targets) from a zero state, so every poem is scored on its own and poems of one form (one
length) batch without padding.
"""
import gzip
import hashlib
import json
from functools import lru_cache
from importlib import resources

import numpy as np

from ..core._validate import describe
from ..core.activations import log_softmax
from ..core.layers import LSTM
from ..training.clip import clip_grad_norm
from ..training.io import copy_params_into
from ..training.modules import Composite, Embedding, Linear

__all__ = ["load_tang_corpus", "tang_corpus_info", "TangVocab", "encode_poems", "poem_batches",
           "ClassSoftmax", "TangLSTM", "poem_nll", "tang_train_step"]

CORPUS_FILE = "tang_corpus.json.gz"
SPLITS = ("train", "validation", "test")
SEP = "\n"
UNK = "□"


@lru_cache(maxsize=1)
def _corpus():
    raw = resources.files("lstm_ref").joinpath("data", CORPUS_FILE).read_bytes()
    data = json.loads(gzip.decompress(raw).decode("utf-8"))
    data["sha256"] = hashlib.sha256(raw).hexdigest()
    return data


def load_tang_corpus(split):
    """The regulated Tang poems of one split.

    Parameters
    ----------
    split : {"train", "validation", "test"}

    Returns
    -------
    poems : list of dict, in the order of the source files
        Each has "title" and "author" (str) and "lines" (list of 4 or 8 str: the verses 句, each
        5 or 7 characters followed by ，or 。, e.g. "床前明月光，").
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return [{"title": p["title"], "author": p["author"], "lines": list(p["lines"])}
            for p in _corpus()["poems"] if p["split"] == split]


def tang_corpus_info():
    """Counts, the source's integrity, the SHA-256 of the shipped file, and the two tables.

    Returns a dict with "stats" (counts as in TANG_CORPUS_SOURCE.md), "source", "integrity",
    "sha256", "tones" ({char: "平" | "仄" | "○"}) and "rhymes" ({char: rhyme group}).
    """
    d = _corpus()
    return {k: d[k] for k in ("stats", "source", "integrity", "sha256", "tones", "rhymes")}


class TangVocab:
    """Characters <-> ids: "\\n" is 0, the unknown-character mark □ is 1, then the characters
    in the order given (``from_poems``: by falling frequency in the poems, ties by code point).
    ``encode`` maps a character outside the vocabulary to □.
    """

    def __init__(self, chars):
        seen = set()
        chars = [c for c in chars if c not in (SEP, UNK) and not (c in seen or seen.add(c))]
        self.itos = [SEP, UNK] + chars
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_poems(cls, poems):
        """The vocabulary of these poems, most frequent character first."""
        counts = {}
        for p in poems:
            for v in p["lines"]:
                for c in v:
                    counts[c] = counts.get(c, 0) + 1
        return cls(sorted(counts, key=lambda c: (-counts[c], c)))

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """str of length n -> int64 array (n,)."""
        return np.fromiter((self.stoi.get(c, 1) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        return "".join(self.itos[int(i)] for i in np.asarray(ids).reshape(-1))


def _check_poems(poems):
    if not isinstance(poems, (list, tuple)) or not all(
            isinstance(p, dict) and "lines" in p for p in poems):
        raise TypeError("poems must be a list of dicts with a 'lines' key (load_tang_corpus)")


def encode_poems(vocab, poems):
    """The 1-D id stream of poems, separators included: "\\n" body_1 "\\n" body_2 ... "\\n".

    Returns int64 array of length 1 + sum(len(body) + 1). Slicing one poem's
    ``"\\n" + body + "\\n"`` out of it gives exactly the sequence the model is trained and
    scored on (``poem_batches``).
    """
    _check_poems(poems)
    return vocab.encode(SEP + "".join("".join(p["lines"]) + SEP for p in poems))


def poem_batches(vocab, poems, batch_size, *, shuffle_seed=None):
    """Batches of same-length poems: yields (x, y, index), x and y int64 (T, B), T = len(body)+1.

    x = "\\n" + body, y = body + "\\n" (y[t] follows x[t]); index (B,) the poems' positions in
    ``poems``. With ``shuffle_seed`` the poems of each length and the batches are shuffled.
    """
    _check_poems(poems)
    by_len = {}
    for i, p in enumerate(poems):
        by_len.setdefault(len("".join(p["lines"])), []).append(i)
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    batches = []
    for n in sorted(by_len):
        idx = np.asarray(by_len[n])
        if rng is not None:
            idx = idx[rng.permutation(len(idx))]
        for s in range(0, len(idx), batch_size):
            batches.append(idx[s: s + batch_size])
    if rng is not None:
        batches = [batches[k] for k in rng.permutation(len(batches))]
    for idx in batches:
        seq = np.stack([vocab.encode(SEP + "".join(poems[i]["lines"]) + SEP) for i in idx], axis=1)
        yield seq[:-1], seq[1:], idx


class ClassSoftmax:
    """A class-factored softmax (Goodman 2001; Mikolov et al. 2011) over ids cut into classes.

    The ids 0..V-1 are cut into C contiguous ranges (``bounds``, C + 1 ints); with a vocabulary
    sorted by frequency the first classes hold the frequent characters. For a hidden vector h:

        p(w | h) = softmax(W_cls h + b_cls)[c(w)] * softmax_{v in c(w)}(W_v h + b_v)[w]

    an exact, normalised distribution over all V ids that costs C + |c(w)| dot products per
    training target instead of V. Parameters "class_weight" (C, H), "class_bias" (C,),
    "weight" (V, H), "bias" (V,).
    """

    def __init__(self, hidden_size, vocab_size, num_classes, seed=0, dtype=np.float32):
        if not 1 <= int(num_classes) <= int(vocab_size):
            raise ValueError(f"num_classes must be in 1..{vocab_size}, got {num_classes}")
        self.bounds = np.linspace(0, vocab_size, int(num_classes) + 1).round().astype(np.int64)
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(hidden_size)
        u = lambda *shape: rng.uniform(-k, k, shape).astype(dtype)
        self.params = {"class_weight": u(num_classes, hidden_size), "class_bias": u(num_classes),
                       "weight": u(vocab_size, hidden_size), "bias": u(vocab_size)}
        self.grads = {key: np.zeros_like(v) for key, v in self.params.items()}

    def class_of(self, y):
        return np.searchsorted(self.bounds, y, side="right") - 1

    def log_probs(self, h):
        """h (N, H) -> log p (N, V), every row a normalised log-distribution."""
        P = self.params
        zc = h @ P["class_weight"].T + P["class_bias"]
        zc = log_softmax(zc.astype(np.float64), axis=1)
        z = (h @ P["weight"].T + P["bias"]).astype(np.float64)
        starts, sizes = self.bounds[:-1], np.diff(self.bounds)
        mx = np.maximum.reduceat(z, starts, axis=1)                       # (N, C)
        lse = np.log(np.add.reduceat(np.exp(z - np.repeat(mx, sizes, axis=1)), starts, axis=1)) + mx
        return z + np.repeat(zc - lse, sizes, axis=1)

    @staticmethod
    def _softmax_nll(z, t, scale, want_grad):
        z = z - z.max(axis=1, keepdims=True)
        ez = np.exp(z)
        s = ez.sum(axis=1)
        rows = np.arange(len(t))
        nll = np.log(s.astype(np.float64)) - z[rows, t].astype(np.float64)
        if not want_grad:
            return nll, None
        ez /= s[:, None]
        ez[rows, t] -= 1
        ez *= z.dtype.type(scale)
        return nll, ez

    def nll(self, h, y, want_grad=False, scale=1.0):
        """h (N, H), y (N,) int -> nats (N,) float64 and, if want_grad, dh (N, H) of
        scale * sum(nats); the parameter gradients then fill ``grads``."""
        P = self.params
        cls = self.class_of(y)
        zc = h @ P["class_weight"].T + P["class_bias"]
        nll, dzc = self._softmax_nll(zc, cls, scale, want_grad)
        if want_grad:
            dh = dzc @ P["class_weight"]
            g = {"class_weight": dzc.T @ h, "class_bias": dzc.sum(axis=0),
                 "weight": np.zeros_like(P["weight"]), "bias": np.zeros_like(P["bias"])}
        order = np.argsort(cls, kind="stable")
        ends = np.cumsum(np.bincount(cls, minlength=len(self.bounds) - 1))
        start = 0
        for c, end in enumerate(ends):
            if end == start:
                continue
            pos = order[start:end]
            start = end
            b0, b1 = self.bounds[c], self.bounds[c + 1]
            hp = h[pos]
            z = hp @ P["weight"][b0:b1].T + P["bias"][b0:b1]
            n_w, dz = self._softmax_nll(z, y[pos] - b0, scale, want_grad)
            nll[pos] += n_w
            if want_grad:
                dh[pos] += dz @ P["weight"][b0:b1]
                g["weight"][b0:b1] += dz.T @ hp
                g["bias"][b0:b1] += dz.sum(axis=0)
        if not want_grad:
            return nll, None
        self.grads = g
        return nll, dh


class TangLSTM(Composite):
    """Embedding -> LSTM layer 1 -> dropout -> LSTM layer 2 ... -> dropout -> class softmax.

    TangLSTM(vocab_size, embed_dim, hidden_size, num_layers=2, dropout=0.1, num_classes=80,
             seed=0, dtype=np.float32)

    Parameters "embed.weight" (V, E), "lstm{l}.weight_ih_l0" (4H, I_l), "lstm{l}.weight_hh_l0"
    (4H, H), "lstm{l}.bias_ih_l0", "lstm{l}.bias_hh_l0" (4H,) for l = 0..L-1 (each layer an
    ``lstm_ref.LSTM``), and the ``ClassSoftmax`` head's "head.class_weight" (C, H),
    "head.class_bias" (C,), "head.weight" (V, H), "head.bias" (V,).

    forward(ids (T, B) int, state=None, train=False) -> logits (T, B, V), (h_n, c_n) (L, B, H).
    The logits are the normalised log-probabilities (float64). Deterministic unless
    ``train=True``: then dropout with probability ``dropout`` zeroes the embeddings, the outputs
    between layers and the top layer's output (survivors scaled by 1/(1-p); Zaremba et al. 2014).
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers=2, dropout=0.1,
                 num_classes=80, seed=0, dtype=np.float32):
        if int(num_layers) < 1:
            raise ValueError(f"num_layers must be >= 1, got {num_layers}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}")
        self.vocab_size, self.embed_dim = int(vocab_size), int(embed_dim)
        self.hidden_size, self.num_layers = int(hidden_size), int(num_layers)
        self.num_classes = int(num_classes)
        self.dropout, self.dtype = float(dropout), np.dtype(dtype)
        self.embed = Embedding(vocab_size, embed_dim, seed=seed, dtype=self.dtype)
        self.embed.params["weight"] *= self.dtype.type(0.1)
        self.layers = [LSTM(embed_dim if l == 0 else hidden_size, hidden_size, dtype=self.dtype,
                            seed=seed + 1 + l) for l in range(self.num_layers)]
        self.head = ClassSoftmax(hidden_size, vocab_size, num_classes, seed=seed + 100,
                                 dtype=self.dtype)
        self._rng = np.random.default_rng(seed + 200)
        self._cache = None

    @property
    def config(self):
        return {"vocab_size": self.vocab_size, "embed_dim": self.embed_dim,
                "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "dropout": self.dropout, "num_classes": self.num_classes}

    def _parts(self):
        yield "embed", self.embed
        for l, layer in enumerate(self.layers):
            yield f"lstm{l}", layer
        yield "head", self.head

    # params, grads, state_dict, num_params: see Composite
    def load_state_dict(self, d):
        """Copy values in (cast to the model's dtype) from a dict with exactly the keys of ``params``."""
        copy_params_into(self.params, {k: np.asarray(v, dtype=self.dtype) for k, v in d.items()})

    def _check_ids(self, ids, name="ids"):
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"{name} must be an integer array of shape {describe((None, None), ('T', 'B'))}, "
                             f"got dtype {ids.dtype} with shape {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"{name} must lie in [0, {self.vocab_size}), got "
                             f"[{ids.min()}, {ids.max()}]")
        return ids

    def _mask(self, shape, train):
        if not train or self.dropout == 0.0:
            return None
        keep = self._rng.random(shape, dtype=np.float32) >= self.dropout
        return keep.astype(self.dtype) * self.dtype.type(1.0 / (1.0 - self.dropout))

    def hidden(self, ids, state=None, train=False):
        """ids (T, B) -> top-layer outputs (T, B, H) (dropped out if train), (h_n, c_n).

        Also keeps every layer's outputs h (T, B, H) in ``self.layer_outputs`` (list of L)."""
        ids = self._check_ids(ids)
        h = self.embed.forward(ids)                              # (T, B, E)
        masks, hs, cs, outs = [], [], [], []
        for l, layer in enumerate(self.layers):
            m = self._mask(h.shape, train)
            masks.append(m)
            if m is not None:
                h = h * m
            s = None if state is None else (state[0][l: l + 1], state[1][l: l + 1])
            h, (h_n, c_n) = layer.forward(h, s)                  # (T, B, H)
            outs.append(h)
            hs.append(h_n)
            cs.append(c_n)
        m = self._mask(h.shape, train)
        masks.append(m)
        if m is not None:
            h = h * m
        self._cache = masks
        self.layer_outputs = outs                                # each (T, B, H), for probes
        return h, (np.concatenate(hs), np.concatenate(cs))

    def forward(self, ids, state=None, train=False):
        """ids (T, B) int -> logits (T, B, V) (log-probabilities, float64), (h_n, c_n)."""
        h, state = self.hidden(ids, state, train)
        T, B, H = h.shape
        return self.head.log_probs(h.reshape(T * B, H)).reshape(T, B, self.vocab_size), state

    def nll(self, x, y, state=None, train=False, want_grad=False):
        """Nats of y (T, B) given x (T, B): float64 (T, B); with want_grad, ``grads`` then holds
        the gradient of their mean."""
        y = self._check_ids(y, "y")
        h, state = self.hidden(x, state, train)
        T, B, H = h.shape
        if y.shape != (T, B):
            raise ValueError(f"y must have shape {describe((T, B), ('T', 'B'))}, got {y.shape}")
        nll, dh = self.head.nll(h.reshape(T * B, H), y.reshape(-1), want_grad, 1.0 / y.size)
        if want_grad:
            self._backward(dh.reshape(T, B, H))
        return nll.reshape(T, B)

    def _backward(self, dh):
        masks = self._cache
        for l in range(self.num_layers, -1, -1):
            if masks[l] is not None:
                dh = dh * masks[l]
            if l > 0:
                dh, _ = self.layers[l - 1].backward(dh, None)
        self.embed.backward(dh)


def tang_train_step(model, x, y, optimizer, clip=None):
    """One update on a batch of whole poems: (mean loss in nats/char, grad norm before clipping)."""
    nll = model.nll(x, y, train=True, want_grad=True)
    grads, norm = clip_grad_norm(model.grads, clip if clip is not None else np.inf)
    optimizer.step(model.params, grads)
    return float(nll.mean()), float(norm)


def poem_nll(model, vocab, poems, batch_size=256):
    """Nats of each poem's targets under the model (dropout off).

    Returns (nll, n): float64 arrays (len(poems),): the summed nats of poem j's len(body) + 1
    targets and that count. The mean loss in nats/char is nll.sum() / n.sum().
    """
    nll = np.zeros(len(poems))
    n = np.zeros(len(poems))
    for x, y, idx in poem_batches(vocab, poems, batch_size):
        nll[idx] = model.nll(x, y).sum(axis=0)
        n[idx] = y.shape[0]
    return nll, n
