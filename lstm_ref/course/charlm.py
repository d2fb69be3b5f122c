"""Character-level language modelling: vocabularies, truncated-BPTT batches, sampling with temperature.

A character language model reads a text one character at a time and, at every step t,
outputs a distribution p(x_{t+1} | x_1..x_t) over the vocabulary. Training minimises the mean
cross-entropy (nats per character) with *teacher forcing*: the input at step t+1 is the true
character x_{t+1}, whatever the model predicted. Generation instead feeds the model its own
samples. Long texts are trained with *truncated* BPTT: the text is cut into chunks of ``bptt``
steps; the hidden state is carried from one chunk to the next (forward), but gradients stop at
the chunk boundary.

Shapes (time-major, as everywhere in lstm_ref): token ids (T, B) int64; logits (T, B, V);
states (num_layers, B, H).
"""
import re

import numpy as np

from ..core import layers
from ..core._validate import describe
from ..core.activations import log_softmax, softmax
from ..training.clip import clip_grad_norm, grad_norm
from ..training.loop import CarriedState, train
from ..training.losses import softmax_cross_entropy
from ..training.modules import Composite, Embedding, Linear

__all__ = [
    "CharVocab",
    "poems_to_text",
    "split_poems",
    "unigram_entropy",
    "unigram_cross_entropy",
    "batchify",
    "tbptt_chunks",
    "CharLSTM",
    "char_lm_train_step",
    "fit_char_lm",
    "evaluate_char_lm",
    "temperature_probs",
    "entropy",
    "sample",
    "FIVE_CHAR_LINE",
    "is_five_char_poem",
    "line_format_rate",
    "tang_char_data",
    "load_tang_lstm",
]

POEM_END = "\n\n"


# ----------------------------------------------------------------------------- text and vocabulary


def poems_to_text(poems):
    """Concatenate poem bodies into one training stream.

    Each poem is its lines joined by "\\n", followed by a blank line ("\\n\\n"), so the stream
    reads ``"兰叶春葳蕤，桂华秋皎洁。\\n…何求美人折？\\n\\n浮云终日行，…"``. Titles and poets
    are not part of the stream.

    Parameters
    ----------
    poems : list of dict with key "lines" (list of str), as returned by ``load_tang_poems()``.

    Returns
    -------
    text : str
    """
    return "".join("\n".join(p["lines"]) + POEM_END for p in poems)


def split_poems(poems, every=10):
    """Hold out every ``every``-th poem (indices every-1, 2*every-1, ...) for validation.

    Splitting by whole poems keeps a validation poem's text out of training entirely.

    Returns
    -------
    train, val : lists of the same poem dicts (not copies)
    """
    if not isinstance(every, (int, np.integer)) or every < 2:
        raise ValueError(f"every must be an int >= 2, got {every!r}")
    train = [p for k, p in enumerate(poems) if k % every != every - 1]
    val = [p for k, p in enumerate(poems) if k % every == every - 1]
    return train, val


class CharVocab:
    """A character vocabulary: ``chars = sorted(set(text))``, id k <-> chars[k].

    Sorting makes the ids independent of dict or set order (and of the order of the text).
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty str, got {text!r}")
        self.chars = sorted(set(text))
        self.index = {ch: k for k, ch in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """str of length N -> int64 array of shape (N,). Raises ValueError on unknown characters."""
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"text must hold only characters of the vocabulary, got {''.join(unknown[:10])!r} outside it")
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, ids):
        """int array of any shape, read in C order -> str."""
        ids = np.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.chars)):
            raise ValueError(f"ids must lie in [0, {len(self.chars)}), got range "
                             f"[{ids.min()}, {ids.max()}]")
        return "".join(self.chars[k] for k in ids.reshape(-1))


def _counts(ids, vocab_size):
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be an integer array of shape {describe((None,), ('N',))}, "
                         f"got dtype {ids.dtype} with shape {ids.shape}")
    return np.bincount(ids, minlength=vocab_size or 0)


def unigram_entropy(ids):
    """Entropy (nats) of the empirical character distribution of ``ids``, shape (N,).

    H = -sum_k p_k log p_k with p_k = count_k / N: the mean loss per character of the best model
    that ignores context, measured on the text it was fitted to.
    """
    counts = _counts(ids, None).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def unigram_cross_entropy(train_ids, eval_ids, vocab_size, alpha=1.0):
    """Mean loss (nats/char) on ``eval_ids`` of the add-``alpha`` unigram model fitted to ``train_ids``.

    p_k = (count_k + alpha) / (N + alpha V); ``alpha > 0`` keeps characters unseen in training
    at a finite loss.
    """
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    counts = _counts(train_ids, vocab_size).astype(np.float64)
    if counts.shape[0] != vocab_size:
        raise ValueError(f"train_ids must lie in [0, vocab_size={vocab_size}), got ids up to {counts.shape[0] - 1}")
    p = (counts + alpha) / (counts.sum() + alpha * vocab_size)
    return float(-np.log(p[np.asarray(eval_ids)]).mean())


# ----------------------------------------------------------------------------- batching


def batchify(ids, batch_size):
    """Cut a stream of N ids into ``batch_size`` contiguous streams: (N // B, B) int64.

    Column b is ids[b*n : (b+1)*n] with n = N // B (the last N mod B ids are dropped), so
    reading down a column reads the text in order -- which is what lets a hidden state carried
    from one chunk to the next stay meaningful.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must have shape {describe((None,), ('N',))}, got {ids.shape}")
    n = ids.shape[0] // batch_size
    if n < 2:
        raise ValueError(f"ids must hold at least 2 * batch_size = {2 * batch_size} ids, got {ids.shape[0]}")
    return np.ascontiguousarray(ids[: n * batch_size].reshape(batch_size, n).T).astype(np.int64)


def tbptt_chunks(data, bptt):
    """Consecutive (inputs, targets) chunks of a batchified stream ``data`` (N, B).

    Yields x = data[s : s+L], y = data[s+1 : s+1+L] for s = 0, bptt, 2*bptt, ... with
    L = min(bptt, N-1-s): targets are inputs shifted by one step (teacher forcing).
    Shapes: x, y (L, B).
    """
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"data must have shape {describe((None, None), ('N', 'B'))}, got {data.shape}")
    if bptt < 1:
        raise ValueError(f"bptt must be >= 1, got {bptt}")
    for s in range(0, data.shape[0] - 1, bptt):
        L = min(bptt, data.shape[0] - 1 - s)
        yield data[s: s + L], data[s + 1: s + 1 + L]


# ----------------------------------------------------------------------------- the model


class CharLSTM(Composite):
    """Embedding -> LSTM -> Linear: a character language model.

    Parameters live in the three parts (``embed``, ``rnn``, ``head``); ``params`` and ``grads``
    expose them under prefixed names: "embed.weight" (V, E), "rnn.weight_ih_l0" (4H, E), ...,
    "head.weight", "head.bias" -- the same arrays, so an optimiser's in-place update reaches them.

    forward(x (T, B) int, state) -> logits (T, B, V), (h_n, c_n) each (num_layers, B, H).

    ``embed_std`` scales the N(0, 1) initial embeddings. With a few thousand characters, most
    seen only once or twice, a small value (e.g. 0.1) helps: rare characters then start as
    near-zero inputs instead of large random ones, and the frequent symbols (punctuation, line
    breaks) that carry the verse's rhythm dominate the input early in training.

    ``dropout`` (Srivastava et al. 2014; on the embeddings and on the LSTM outputs, as in
    Zaremba et al. 2014) zeroes each of those activations with this probability during
    ``loss_and_grads`` only, scaling the survivors by 1/(1 - p); ``forward`` never drops.
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers=1, seed=0,
                 dtype=np.float64, forget_bias=0.0, embed_std=1.0, dropout=0.0):
        self.vocab_size, self.embed_dim = int(vocab_size), int(embed_dim)
        self.hidden_size, self.num_layers = int(hidden_size), int(num_layers)
        self.dtype = np.dtype(dtype)
        self.embed = Embedding(vocab_size, embed_dim, seed=seed, dtype=self.dtype)
        self.embed.params["weight"] *= self.dtype.type(embed_std)
        self.rnn = layers.LSTM(embed_dim, hidden_size, num_layers=num_layers, dtype=self.dtype,
                        seed=seed + 1, forget_bias=forget_bias)
        self.head = Linear(hidden_size, vocab_size, seed=seed + 2, dtype=self.dtype)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}")
        self.dropout = float(dropout)
        self._dropout_rng = np.random.default_rng(seed + 3)

    # -- parameters (params, grads, state_dict, load_state_dict, num_params: see Composite)
    def _parts(self):
        return (("embed", self.embed), ("rnn", self.rnn), ("head", self.head))

    # -- computation
    def initial_state(self, batch_size):
        z = np.zeros((self.num_layers, batch_size, self.hidden_size), dtype=self.dtype)
        return z, z.copy()

    def _check_ids(self, x, name="x"):
        x = np.asarray(x)
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"{name} must be an integer array of shape {describe((None, None), ('T', 'B'))}, "
                             f"got dtype {x.dtype} with shape {x.shape}")
        if x.size and (x.min() < 0 or x.max() >= self.vocab_size):
            raise ValueError(f"{name} must lie in [0, {self.vocab_size}), got [{x.min()}, {x.max()}]")
        return x

    def _dropout_mask(self, shape):
        if self.dropout == 0.0:
            return self.dtype.type(1.0)
        keep = self._dropout_rng.random(shape) >= self.dropout
        return keep.astype(self.dtype) / self.dtype.type(1.0 - self.dropout)

    def forward(self, x, state=None):
        """x (T, B) int ids -> logits (T, B, V), final state (h_n, c_n)."""
        x = self._check_ids(x)
        T, B = x.shape
        e = self.embed.forward(x)                          # (T, B, E)
        y, state = self.rnn.forward(e, state)              # (T, B, H)
        logits = self.head.forward(y.reshape(T * B, self.hidden_size))
        return logits.reshape(T, B, self.vocab_size), state

    def loss_and_grads(self, x, y, state=None):
        """Teacher-forced loss on one chunk and its gradients (truncated at the chunk start).

        x, y : (T, B) int ids, y[t] the character that follows x[t].
        Returns loss (float, mean nats/char), grads (dict like ``params``, fresh copies) and the
        final state, to be passed as ``state`` with the next chunk.
        """
        x, y = self._check_ids(x), self._check_ids(y, "y")
        if y.shape != x.shape:
            raise ValueError(f"y must have shape {describe(x.shape, ('T', 'B'))}, got {y.shape}")
        T, B = y.shape
        e = self.embed.forward(x)                          # (T, B, E)
        m_e, m_h = self._dropout_mask(e.shape), self._dropout_mask((T, B, self.hidden_size))
        h, new_state = self.rnn.forward(e * m_e, state)    # (T, B, H)
        logits = self.head.forward((h * m_h).reshape(T * B, self.hidden_size))
        loss, dlogits = softmax_cross_entropy(logits, y.reshape(T * B))
        dh = self.head.backward(dlogits).reshape(T, B, self.hidden_size) * m_h
        de, _ = self.rnn.backward(dh, None)                # no gradient into the previous chunk
        self.embed.backward(de * m_e)
        grads = {k: g.copy() for k, g in self.grads.items()}
        return float(loss), grads, tuple(s.copy() for s in new_state)


def char_lm_train_step(model, x, y, state, optimizer, clip=None):
    """One truncated-BPTT update: loss, gradients, optional norm clipping, optimiser step.

    Returns (loss, grad_norm before clipping, state to carry into the next chunk).
    """
    loss, grads, state = model.loss_and_grads(x, y, state)
    norm = grad_norm(grads)
    if clip is not None:
        grads, _ = clip_grad_norm(grads, clip, norm=norm)
    optimizer.step(model.params, grads)
    return loss, norm, state


def evaluate_char_lm(model, ids, bptt=256):
    """Mean teacher-forced loss (nats/char) of predicting ids[1:] from ids[:-1], one stream.

    The state starts at zero and is carried across chunks of ``bptt`` steps (a forward pass
    only), so the result equals running the whole stream at once.
    """
    data = np.asarray(ids).reshape(-1, 1)
    state, total, count = None, 0.0, 0
    for x, y in tbptt_chunks(data, bptt):
        logits, state = model.forward(x, state)
        logp = log_softmax(logits.astype(np.float64))
        total -= float(np.take_along_axis(logp, y[..., None], axis=-1).sum())
        count += y.size
    return total / count


def fit_char_lm(model, train_ids, optimizer, *, batch_size, bptt, steps, clip=None,
                val_ids=None, eval_every=None, progress=None):
    """Train with truncated BPTT for ``steps`` chunk updates (epochs restart at the text's start).

    The state is carried from chunk to chunk and reset to zero at the start of every epoch; the
    loop is :func:`lstm_ref.train` with the model in a :class:`lstm_ref.CarriedState`.
    Returns its history ("step", "loss", "grad_norm", "eval_step", "eval", ...), where "eval" is
    the validation loss (every ``eval_every`` updates and at the end, when ``val_ids`` is given),
    also under the name "val_loss". ``progress(step, loss, val_loss)`` is called after each
    evaluation; if it returns True, training stops there (early stopping).
    """
    chunks = list(tbptt_chunks(batchify(train_ids, batch_size), bptt))
    carried = CarriedState(model)

    def batch_fn(step):
        if step % len(chunks) == 0:
            carried.reset()
        return chunks[step % len(chunks)]

    eval_fn = None if val_ids is None else (lambda _: evaluate_char_lm(model, val_ids))
    hist = train(carried, batch_fn, steps, optimizer, clip=clip, eval_fn=eval_fn,
                 eval_every=eval_every or max(1, int(steps)), on_eval=progress)
    hist["val_loss"] = hist["eval"]
    return hist


# ----------------------------------------------------------------------------- sampling


def temperature_probs(logits, temperature=1.0):
    """softmax(logits / temperature) in float64, over the last axis.

    temperature -> 0 puts all mass on the arg-max; temperature = 1 is the model's distribution;
    temperature -> infinity tends to the uniform distribution.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return softmax(np.asarray(logits, dtype=np.float64) / float(temperature), axis=-1)


def entropy(p, axis=-1):
    """Entropy in nats, -sum p log p over ``axis`` (0 log 0 = 0)."""
    p = np.asarray(p, dtype=np.float64)
    logp = np.log(np.where(p > 0, p, 1.0))
    return -(p * logp).sum(axis=axis)


def sample(model, vocab, prime, n, temperature=1.0, seed=0, stop=None):
    """Generate up to ``n`` characters after ``prime``, feeding back the model's own samples.

    The prime is read with teacher forcing (its characters are given); from then on each
    sampled character becomes the next input. Sampling draws u ~ U[0, 1) from
    ``np.random.default_rng(seed)`` and picks the first id whose cumulative float64 probability
    exceeds u, so a seed gives the same text wherever the probabilities agree to ~1e-15.

    Parameters
    ----------
    prime : non-empty str of vocabulary characters
    n : int, maximum number of generated characters
    stop : str or None; generation ends as soon as the output ends with ``stop``
        (e.g. "\n" for one line, "\n\n" for a whole poem)

    Returns
    -------
    text : str, the generated characters only (without the prime)
    """
    if not prime:
        raise ValueError(f"prime must be a non-empty str, got {prime!r}")
    rng = np.random.default_rng(seed)
    ids = vocab.encode(prime).reshape(-1, 1)
    logits, state = model.forward(ids, None)
    last = logits[-1, 0]
    out = []
    for _ in range(int(n)):
        p = temperature_probs(last, temperature)
        cdf = np.cumsum(p)
        k = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        k = min(k, len(cdf) - 1)
        out.append(vocab.chars[k])
        if stop and "".join(out[-len(stop):]) == stop:
            break
        logits, state = model.forward(np.array([[k]], dtype=np.int64), state)
        last = logits[-1, 0]
    return "".join(out)



# ----------------------------------------------------------------------------- the bundled poem model

TANG_WEIGHTS = "tang_lstm.npz"
TANG_CONFIG = "tang_lstm.json"


_HALF = r"[^，。？！；：、\n]"
FIVE_CHAR_LINE = re.compile(rf"^{_HALF}{{5}}，{_HALF}{{5}}[。？！]$")


def is_five_char_poem(poem):
    """True when every line is a five-character couplet: 5 characters, "，", 5 characters, "。" (or ？！)."""
    return all(FIVE_CHAR_LINE.match(line) for line in poem["lines"])


def tang_char_data(every=10, form="five"):
    """The Tang-poem corpus as a character-level task.

    form : "five" keeps the poems whose every line is a five-character couplet
        (``is_five_char_poem``); "all" keeps all 313 poems.

    Returns
    -------
    vocab : CharVocab over the whole corpus (train and validation text)
    train_ids, val_ids : int64 arrays (N_train,), (N_val,) -- ``poems_to_text`` of the poems
        split by ``split_poems(poems, every)``.
    """
    from .datasets import load_tang_poems

    if form not in ("five", "all"):
        raise ValueError(f"form must be 'five' or 'all', got {form!r}")
    poems = load_tang_poems()
    if form == "five":
        poems = [p for p in poems if is_five_char_poem(p)]
    train, val = split_poems(poems, every)
    train_text, val_text = poems_to_text(train), poems_to_text(val)
    vocab = CharVocab(train_text + val_text)
    return vocab, vocab.encode(train_text), vocab.encode(val_text)


def load_tang_lstm(dtype=np.float64):
    """The shipped poem model (trained by ``scripts/train_poem_model.py``) and its config.

    The weights are stored as float32 in ``lstm_ref/data/tang_lstm.npz``; they are cast to
    ``dtype`` (float64 by default, so that sampling is computed in float64).

    Returns
    -------
    model : CharLSTM
    vocab : CharVocab of the corpus the model was trained on (``tang_char_data(form=config["form"])``)
    config : dict read from ``lstm_ref/data/tang_lstm.json`` (sizes, training settings,
        measured losses)
    """
    import json
    from importlib import resources

    from ..training.io import load_params

    data = resources.files("lstm_ref").joinpath("data")
    config = json.loads(data.joinpath(TANG_CONFIG).read_text(encoding="utf-8"))
    model = CharLSTM(config["vocab_size"], config["embed_dim"], config["hidden_size"],
                     num_layers=config["num_layers"], dtype=dtype)
    with resources.as_file(data.joinpath(TANG_WEIGHTS)) as path:
        model.load_state_dict(load_params(path))
    vocab = tang_char_data(every=config["val_every"], form=config["form"])[0]
    if len(vocab) != config["vocab_size"]:
        raise ValueError(f"tang_lstm.json: vocab_size {config['vocab_size']} does not match the "
                         f"corpus vocabulary ({len(vocab)} characters)")
    return model, vocab, config


def line_format_rate(model, vocab, pattern=None, n_samples=10, temperature=0.8, seed=0,
                     prime="。\n\n", max_chars=70):
    """Fraction of generated lines that match ``pattern`` (default: a five-character couplet).

    Samples ``n_samples`` poems (seeds seed, seed+1, ...; each up to ``max_chars`` characters,
    ending at a blank line) after ``prime`` -- the way a poem boundary looks in the training
    stream -- splits them into lines and returns (rate, lines). A line cut off by ``max_chars``
    counts as a line.
    """
    pattern = FIVE_CHAR_LINE if pattern is None else pattern
    lines = []
    for k in range(n_samples):
        text = sample(model, vocab, prime, max_chars, temperature=temperature, seed=seed + k,
                      stop=POEM_END)
        lines += [line for line in text.split("\n") if line]
    rate = float(np.mean([bool(pattern.match(line)) for line in lines])) if lines else 0.0
    return rate, lines
