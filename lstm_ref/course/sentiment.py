"""Character-level recurrent sentiment classifiers on variable-length reviews, with masked padding.

- ``SentimentVocab``: characters seen at least ``min_count`` times in the training texts;
  id 0 is ``<pad>``, id 1 is ``<unk>``.
- ``pad_batch``: ids (T, B) right-padded with 0 and the lengths (B,); texts cut to ``max_len``.
- ``SentimentRNN``: Embedding -> LSTM or BiLSTM -> sentence vector -> Linear(., 2). Encoders:
  ``"lstm-last"`` (h→_T), ``"bilstm-ends"`` ([h→_T, h←_1], post 003's sentence vector),
  ``"bilstm-mean"`` / ``"bilstm-max"`` (mean / max of [h→_t, h←_t] over the real positions).
  Padding is masked: each sequence's forward direction reads its own characters and stops at its
  length; the backward direction reads them reversed *within* its length, so it starts at the
  sequence's own last character, not at the padding. A padded batch gives every sequence exactly
  the output it gets alone.
- ``length_buckets``: batches of reviews of similar length (little padding).
- ``fit_sentiment``: epochs of ``lstm_ref.train`` over length buckets, the validation accuracy
  after each epoch, and the parameters of the best epoch (selection on validation only).
- ``load_pretrained("sentiment")``: the shipped model (``scripts/train_sentiment.py``).
"""
import json
from importlib import resources

import numpy as np

from ..core._validate import describe
from ..core.layers import LSTM
from ..training.losses import softmax_cross_entropy
from ..training.loop import train
from ..training.modules import Composite, Embedding, Linear
from ..training.optim import Adam

# load_pretrained is reached as lr.load_pretrained("sentiment") through lstm_ref.course.poetry, which
# serves every shipped model.
__all__ = ["SentimentVocab", "pad_batch", "SentimentRNN", "length_buckets", "fit_sentiment",
           "sentiment_accuracy", "sentiment_card", "sentiment_baselines", "SENTIMENT_ENCODERS"]

SENTIMENT_ENCODERS = ("lstm-last", "bilstm-ends", "bilstm-mean", "bilstm-max")
PAD, UNK = 0, 1


class SentimentVocab:
    """Characters of the training texts seen at least ``min_count`` times, sorted; 0 <pad>, 1 <unk>."""

    def __init__(self, texts, min_count=2):
        counts = {}
        for t in texts:
            for ch in t:
                counts[ch] = counts.get(ch, 0) + 1
        self.chars = sorted(ch for ch, n in counts.items() if n >= min_count)
        self.min_count = int(min_count)
        self._index = {ch: k + 2 for k, ch in enumerate(self.chars)}

    @classmethod
    def from_chars(cls, chars):
        vocab = cls([], 1)
        vocab.chars = list(chars)
        vocab._index = {ch: k + 2 for k, ch in enumerate(vocab.chars)}
        return vocab

    def __len__(self):
        return len(self.chars) + 2

    def encode(self, text):
        """list of int ids (unknown characters -> 1)."""
        return [self._index.get(ch, UNK) for ch in text]


def pad_batch(ids_list, max_len=None):
    """ids_list: list of B id lists -> ids (T, B) int64 right-padded with 0, lengths (B,) int64.

    Each sequence is cut to its first ``max_len`` ids; an empty sequence becomes one <unk>.
    """
    seqs = [list(s[:max_len]) if max_len else list(s) for s in ids_list]
    seqs = [s if s else [UNK] for s in seqs]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    ids = np.zeros((int(lengths.max()), len(seqs)), dtype=np.int64)
    for b, s in enumerate(seqs):
        ids[: len(s), b] = s
    return ids, lengths


class SentimentRNN(Composite):
    """Embedding -> (Bi)LSTM over the real characters only -> sentence vector -> Linear(D*H, 2).

    SentimentRNN(vocab, embed_dim=64, hidden_size=64, encoder="bilstm-ends", dropout=0.0, seed=0,
                 dtype=np.float32, max_len=200)

    The recurrent parameters live in one ``lstm_ref.LSTM(E, H, bidirectional=...)`` (``self.rnn``,
    PyTorch names ``weight_ih_l0``, ``..._l0_reverse``); the masked passes run two one-direction
    layers that share its arrays. ``dropout`` (training only) is applied to the embeddings and the
    sentence vector. Texts are cut to their first ``max_len`` characters.

    forward((ids (T, B), lengths (B,))) -> logits (B, 2); sentence_vectors(...) -> (B, D*H).
    """

    def __init__(self, vocab, embed_dim=64, hidden_size=64, encoder="bilstm-ends", dropout=0.0, seed=0,
                 dtype=np.float32, max_len=200):
        if encoder not in SENTIMENT_ENCODERS:
            raise ValueError(f"encoder must be one of {SENTIMENT_ENCODERS}, got {encoder!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}")
        self.vocab, self.encoder = vocab, encoder
        self.embed_dim, self.hidden_size, self.dropout = int(embed_dim), int(hidden_size), float(dropout)
        self.max_len, self.seed, self.dtype = int(max_len), int(seed), np.dtype(dtype)
        self.num_directions = 1 if encoder == "lstm-last" else 2
        E, H, D = self.embed_dim, self.hidden_size, self.num_directions
        self.embed = Embedding(len(vocab), E, seed=seed, dtype=self.dtype)
        self.embed.params["weight"] *= self.dtype.type(0.1)
        self.rnn = LSTM(E, H, bidirectional=D == 2, dtype=self.dtype, seed=seed + 1)
        self.head = Linear(D * H, 2, seed=seed + 2, dtype=self.dtype)
        self._dirs = []
        for sfx in ("_l0", "_l0_reverse")[:D]:
            layer = LSTM(E, H, dtype=self.dtype)
            layer.params = {k: self.rnn.params[k[:-3] + sfx] for k in layer.params}   # shared arrays
            self._dirs.append((sfx, layer))
        self._rng = np.random.default_rng(seed + 3)

    def config(self):
        return {"encoder": self.encoder, "embed_dim": self.embed_dim, "hidden_size": self.hidden_size,
                "dropout": self.dropout, "seed": self.seed, "dtype": str(self.dtype), "max_len": self.max_len,
                "vocab_size": len(self.vocab)}

    # -- parameters (params, state_dict, load_state_dict, num_params: see Composite; the gradients
    #    come from loss_and_grads)
    def _parts(self):
        return (("embed", self.embed), ("rnn", self.rnn), ("head", self.head))

    @property
    def grads(self):
        """Not kept: the backward pass runs through per-direction views of ``rnn``, whose own
        ``grads`` it never fills. Use the dict that ``loss_and_grads`` returns."""
        raise AttributeError("SentimentRNN keeps no grads; use the dict that loss_and_grads returns")

    # -- computation
    def _check_batch(self, batch):
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise TypeError(f"x must be a pair (ids (T, B) int, lengths (B,) int) from pad_batch, got {type(batch).__name__}")
        ids, lengths = np.asarray(batch[0]), np.asarray(batch[1])
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"ids must be an integer array of shape {describe((None, None), ('T', 'B'))}, "
                             f"got dtype {ids.dtype} with shape {ids.shape}")
        T, B = ids.shape
        if lengths.shape != (B,) or lengths.dtype.kind not in "iu" or lengths.min() < 1 or lengths.max() > T:
            raise ValueError(f"lengths must be integers in [1, T={T}] of shape {describe((B,), ('B',))}, got shape {lengths.shape} "
                             f"values {lengths.min() if lengths.size else None}..{lengths.max() if lengths.size else None}")
        return ids, lengths

    def _mask(self, shape):
        if not self._training or self.dropout == 0.0:
            return None
        keep = self._rng.random(shape) >= self.dropout
        return keep.astype(self.dtype) / self.dtype.type(1.0 - self.dropout)

    def _encode(self, batch):
        """Sentence vectors (B, D*H) and what backward needs."""
        ids, lengths = self._check_batch(batch)
        T, B = ids.shape
        H = self.hidden_size
        t_idx = np.arange(T)[:, None]
        cols = np.arange(B)[None, :]
        mask = t_idx < lengths[None, :]                                  # (T, B) real positions
        # position t of the reversed-within-length sequence holds character L - 1 - t (padding stays)
        rev = np.where(mask, lengths[None, :] - 1 - t_idx, t_idx)         # (T, B), an involution
        e = self.embed.forward(ids)                                       # (T, B, E)
        m_e = self._mask(e.shape)
        if m_e is not None:
            e = e * m_e
        ys = []
        for d, (_, layer) in enumerate(self._dirs):
            y, _ = layer.forward(e if d == 0 else e[rev, cols], None)     # (T, B, H)
            ys.append(y if d == 0 else y[rev, cols])                      # back to position order
        last = lengths - 1
        b_idx = np.arange(B)
        pos = None
        if self.encoder == "lstm-last":
            s = ys[0][last, b_idx]
        elif self.encoder == "bilstm-ends":
            s = np.concatenate([ys[0][last, b_idx], ys[1][0]], axis=-1)   # [h→_T, h←_1]
        else:
            Y = np.concatenate(ys, axis=-1)                               # (T, B, 2H)
            if self.encoder == "bilstm-mean":
                s = (Y * mask[..., None]).sum(0) / lengths[:, None].astype(self.dtype)
            else:
                pos = np.where(mask[..., None], Y, -np.inf).argmax(0)    # (B, 2H)
                s = np.take_along_axis(Y, pos[None], 0)[0]
        m_s = self._mask(s.shape)
        if m_s is not None:
            s = s * m_s
        cache = (T, B, H, mask, rev, lengths, m_e, m_s, pos)
        return s.astype(self.dtype, copy=False), cache

    def sentence_vectors(self, batch):
        """(B, D*H): the vectors the head reads (dropout off)."""
        self._training = False
        return self._encode(batch)[0]

    def forward(self, batch):
        """batch = (ids (T, B), lengths (B,)) -> logits (B, 2) (dropout off)."""
        self._training = False
        s, _ = self._encode(batch)
        return self.head.forward(s)

    def loss_and_grads(self, batch, y):
        """Mean cross-entropy of the batch (dropout on) and the gradients of every parameter."""
        self._training = True
        s, (T, B, H, mask, rev, lengths, m_e, m_s, pos) = self._encode(batch)
        logits = self.head.forward(s)
        loss, dlogits = softmax_cross_entropy(logits, np.asarray(y))
        ds = self.head.backward(dlogits)
        if m_s is not None:
            ds = ds * m_s
        D = self.num_directions
        dY = np.zeros((T, B, D * H), self.dtype)
        b_idx = np.arange(B)
        if self.encoder == "lstm-last":
            dY[lengths - 1, b_idx] = ds
        elif self.encoder == "bilstm-ends":
            dY[lengths - 1, b_idx, :H] = ds[:, :H]
            dY[0, :, H:] = ds[:, H:]
        elif self.encoder == "bilstm-mean":
            dY = (mask[..., None] * (ds / lengths[:, None].astype(self.dtype))[None]).astype(self.dtype)
        else:
            np.put_along_axis(dY, pos[None], ds[None], 0)
        cols = np.arange(B)[None, :]
        grads = {}
        de = None
        for d, (sfx, layer) in enumerate(self._dirs):
            dy = dY[..., d * H:(d + 1) * H]
            if d == 0:
                de, _ = layer.backward(dy, None)
            else:
                de_r, _ = layer.backward(dy[rev, cols], None)
                de = de + de_r[rev, cols]
            grads.update({f"rnn.{k[:-3]}{sfx}": g for k, g in layer.grads.items()})
        if m_e is not None:
            de = de * m_e
        self.embed.backward(de)
        grads["embed.weight"] = self.embed.grads["weight"]
        grads["head.weight"], grads["head.bias"] = self.head.grads["weight"], self.head.grads["bias"]
        return float(loss), {k: grads[k] for k in self.params}

    def _batches(self, texts, batch_size=256):
        order = np.argsort([len(t) for t in texts], kind="stable")
        for k in range(0, len(texts), batch_size):
            idx = order[k:k + batch_size]
            yield idx, pad_batch([self.vocab.encode(texts[i]) for i in idx], self.max_len)

    def predict_proba(self, texts):
        """(N,) float64 P(positive) of each text (dropout off; deterministic)."""
        out = np.empty(len(texts))
        for idx, batch in self._batches(texts):
            logits = self.forward(batch).astype(np.float64)
            out[idx] = 0.5 * (1.0 + np.tanh(0.5 * (logits[:, 1] - logits[:, 0])))
        return out

    def predict(self, texts):
        """(N,) int64 labels: 1 positive, 0 negative."""
        return (self.predict_proba(texts) > 0.5).astype(np.int64)


def sentiment_accuracy(model, texts, labels):
    return float(np.mean(model.predict(texts) == np.asarray(labels)))


def length_buckets(lengths, batch_size, rng):
    """Batches (lists of indices) of similar length: sort by length (ties broken at random), cut into
    batches of ``batch_size``, shuffle the batch order. Every index appears exactly once."""
    lengths = np.asarray(lengths)
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = [order[k:k + batch_size] for k in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_sentiment(model, texts, labels, val_texts, val_labels, epochs, batch_size=64, lr=2e-3, clip=5.0,
                  seed=0, progress=False, log=None):
    """Train for ``epochs`` passes over length buckets with Adam; after each epoch measure the
    validation accuracy and keep the parameters of the best epoch (loaded back at the end).

    Returns a dict: "val_accuracy" (per epoch), "train_loss" (mean per epoch), "best_epoch" (1-based),
    "updates" (total).
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    enc = [model.vocab.encode(t)[: model.max_len] for t in texts]
    lens = np.array([max(len(s), 1) for s in enc])
    opt = Adam(lr=lr)
    hist = {"val_accuracy": [], "train_loss": [], "best_epoch": 0, "updates": 0}
    best, best_acc = None, -1.0
    for epoch in range(epochs):
        batches = length_buckets(lens, batch_size, rng)

        def batch_fn(step):
            idx = batches[step]
            return pad_batch([enc[i] for i in idx], model.max_len), labels[idx]

        h = train(model, batch_fn, len(batches), opt, clip=clip, progress=progress)
        acc = sentiment_accuracy(model, val_texts, val_labels)
        hist["val_accuracy"].append(acc)
        hist["train_loss"].append(float(np.mean(h["loss"])))
        hist["updates"] += len(h["step"])
        if log is not None:
            log(f"epoch {epoch + 1}: train loss {hist['train_loss'][-1]:.4f}, validation accuracy {acc:.4f}")
        if acc > best_acc:
            best, best_acc, hist["best_epoch"] = model.state_dict(), acc, epoch + 1
    model.load_state_dict(best)
    return hist


def sentiment_card():
    """The JSON card of the shipped sentiment models (config, data hash, curves, test metrics)."""
    data = resources.files("lstm_ref").joinpath("data")
    return json.loads(data.joinpath("sentiment_rnn.json").read_text(encoding="utf-8"))


def sentiment_baselines():
    """The committed counting baselines: search on validation, chosen config, test predictions."""
    data = resources.files("lstm_ref").joinpath("data")
    return json.loads(data.joinpath("sentiment_baselines.json").read_text(encoding="utf-8"))


def load_pretrained(name, family=None):
    """A shipped trained model: ``load_pretrained("sentiment")`` -> (model, vocab).

    The sentiment models are trained by ``scripts/train_sentiment.py`` (``make weights-sentiment``);
    their card is ``lstm_ref/data/sentiment_rnn.json``. ``family`` None gives the model chosen on
    validation; or one of the card's "shipped" keys ("LSTM, last state", "BiLSTM, [h→_T, h←_1]",
    "BiLSTM, pooled"). ``model.predict(texts)`` returns one label (0 or 1) per text,
    deterministically (dropout off).
    """
    if name != "sentiment":
        raise ValueError(f"name must be 'sentiment', got {name!r}")
    card = sentiment_card()
    family = card["best"] if family is None else family
    if family not in card["shipped"]:
        raise ValueError(f"family must be None or one of {sorted(card['shipped'])}, got {family!r}")
    data = resources.files("lstm_ref").joinpath("data")
    with data.joinpath(card["shipped"][family]["file"]).open("rb") as fh:
        arrays = dict(np.load(fh, allow_pickle=False))
    vocab = SentimentVocab.from_chars(card["vocab"])
    cfg = card["shipped"][family]["config"]
    model = SentimentRNN(vocab, cfg["embed_dim"], cfg["hidden_size"], cfg["encoder"], cfg["dropout"],
                         cfg["seed"], np.dtype(cfg["dtype"]), cfg["max_len"])
    model.load_state_dict(arrays)
    return model, vocab
