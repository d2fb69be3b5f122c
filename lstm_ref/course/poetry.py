"""Writing regulated verse with the shipped Tang-poem LSTM: sampling, beam search, and decoding
under the rules of the form (文学规则) by masking the logits; acrostics (藏头诗) and themes.

Forms are "5x4", "5x8", "7x4", "7x8": characters per verse x verses. A poem is the sequence
"\\n" + verses + "\\n"; verse i (from 0) ends in "，" if i is even and "。" if it is odd.

Rules a mask can enforce at each step (every one is a set of allowed next ids):

* form: a character (not a separator or □) inside a verse, the right punctuation after it, "\\n"
  after the last verse;
* tones (平仄): ``tones=True`` follows the regulated template of the form (``TEMPLATES``), except at
  the free positions (一三五不论: the 1st and 3rd character of a 5-character verse, also the 5th of
  a 7-character one); a character's tone comes from the corpus's tone table (the chinese-poetry
  strains data, ``tang_corpus_info()["tones"]``), and a character marked "○" (either) fits any;
* rhyme: ``rhyme=True`` makes the last character of every even verse a level (平) character of
  the rhyme group of the first such character (groups: the corpus's rhyme table, modern finals
  grouped as 中华新韵 groups them, from pypinyin);
* acrostic: verse i starts with the i-th character of ``acrostic``;
* theme: the poem starts with ``theme`` (a keyword, or the whole first verse).
"""
import json
import re
from importlib import resources

import numpy as np

from .tang import TangLSTM, TangVocab, load_tang_corpus, tang_corpus_info, SEP, UNK

__all__ = ["load_pretrained", "tang_card", "FORMS", "TEMPLATES", "parse_form", "generate_poems",
           "generate_poem", "beam_search_poem", "is_valid_poem", "poem_verses", "novelty",
           "repeat_rate", "follows_tones", "rhymes"]

FORMS = ("5x4", "5x8", "7x4", "7x8")
# 平起 templates of 王力《诗词格律》 (首句不入韵 for five characters, 入韵 for seven); the 律诗
# repeats the 绝句's four verses.
_T5 = ["平平平仄仄", "仄仄仄平平", "仄仄平平仄", "平平仄仄平"]
_T7 = ["平平仄仄仄平平", "仄仄平平仄仄平", "仄仄平平平仄仄", "平平仄仄仄平平"]
TEMPLATES = {"5x4": _T5, "5x8": _T5 * 2, "7x4": _T7, "7x8": _T7 * 2}
PUNCT = "，。"


def _data_dir(directory):
    return resources.files("lstm_ref").joinpath("data") if directory is None else directory


def tang_card(directory=None):
    """The JSON card of the shipped Tang-poem LSTM (config, corpus hash, curves, timing); from
    ``directory`` (a pathlib.Path) instead of ``lstm_ref/data`` if given."""
    return json.loads(_data_dir(directory).joinpath("tang_lstm2.json").read_text("utf-8"))


def load_pretrained(name, directory=None, **kwargs):
    """A shipped trained model: ``load_pretrained("tang")`` -> (model, vocab).

    The Tang-poem ``TangLSTM`` of chapter 08, trained by ``scripts/train_tang_model.py``
    (``make weights-tang``); weights ``lstm_ref/data/tang_lstm2.npz`` (float16, loaded as
    float32), card ``tang_lstm2.json``. The vocabulary is rebuilt from the training poems.
    ``directory``: read both files from there instead (e.g. the output of a training run).
    ``load_pretrained("sentiment", family=...)`` returns chapter 07's models
    (``lstm_ref.course.sentiment.load_pretrained``; keyword arguments are passed on).
    """
    if name == "sentiment":
        from . import sentiment                                   # shipped by chapter 07
        return sentiment.load_pretrained(name, **kwargs)
    if kwargs:
        raise TypeError(f"load_pretrained('tang') takes no other arguments, got {sorted(kwargs)}")
    if name != "tang":
        raise ValueError(f"name must be 'tang' or 'sentiment', got {name!r}")
    card = tang_card(directory)
    cfg = card["config"]
    vocab = TangVocab.from_poems(load_tang_corpus("train"))
    if len(vocab) != cfg["vocab_size"]:
        raise ValueError(f"tang_lstm2.json: vocab_size {cfg['vocab_size']} does not match the "
                         f"corpus's {len(vocab)}")
    model = TangLSTM(cfg["vocab_size"], cfg["embed_dim"], cfg["hidden_size"], cfg["num_layers"],
                     cfg["dropout"], cfg["num_classes"], seed=cfg["seed"])
    with _data_dir(directory).joinpath("tang_lstm2.npz").open("rb") as fh:
        model.load_state_dict(dict(np.load(fh, allow_pickle=False)))
    return model, vocab


def parse_form(form):
    """"5x4" -> (5, 4); ValueError naming the argument otherwise."""
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    n, k = form.split("x")
    return int(n), int(k)


def poem_verses(poem):
    """A poem str (one verse per line, or run together) -> list of verses ending in ，or 。."""
    return re.findall(r"[^，。\n]*[，。]", poem)


def is_valid_poem(poem, form):
    """True if ``poem`` has exactly the verses of ``form``: n characters and the right mark."""
    n, k = parse_form(form)
    verses = poem_verses(poem)
    return ("".join(verses) == poem.replace("\n", "") and len(verses) == k and all(
        len(v) == n + 1 and PUNCT[i % 2] == v[-1] and not set(v[:-1]) & set(PUNCT + SEP + UNK)
        for i, v in enumerate(verses)))


def _tables(vocab):
    info = tang_corpus_info()
    tone = np.array([info["tones"].get(c, "○") for c in vocab.itos])
    rhyme = np.array([info["rhymes"].get(c, "") for c in vocab.itos])
    return tone, rhyme


class _Rules:
    """The allowed-id masks for one form and one set of rules, step by step."""

    def __init__(self, vocab, form, acrostic=None, theme=None, tones=False, rhyme=False):
        self.n, self.k = parse_form(form)
        self.V = len(vocab)
        self.vocab = vocab
        ids = np.arange(self.V)
        self.is_char = (ids > 1) & ~np.isin(ids, [vocab.stoi.get(p, -1) for p in PUNCT])
        if acrostic is not None:
            if len(acrostic) != self.k:
                raise ValueError(f"acrostic must have {self.k} characters for form {form!r}, "
                                 f"got {len(acrostic)} ({acrostic!r})")
            missing = [c for c in acrostic if c not in vocab.stoi or c in PUNCT]
            if missing:
                raise ValueError(f"acrostic must use characters of the vocabulary, got {missing} outside it")
        self.acrostic = acrostic
        theme = "" if theme is None else theme.rstrip("，。")
        if len(theme) > self.n or any(c not in vocab.stoi or c in PUNCT for c in theme):
            raise ValueError(f"theme must be at most {self.n} characters of the vocabulary "
                             f"(a keyword or the first verse), got {theme!r}")
        if acrostic is not None and theme and theme[0] != acrostic[0]:
            raise ValueError(f"theme must start with the acrostic's {acrostic[0]!r}, got {theme!r}")
        self.theme = theme
        self.tones, self.rhyme = bool(tones), bool(rhyme)
        if self.tones or self.rhyme:
            self.tone, self.rhyme_of = _tables(vocab)
            self.template = TEMPLATES[form]
            free = {0, 2} if self.n == 5 else {0, 2, 4}
            self.free = free

    def length(self):
        return self.k * (self.n + 1) + 1                       # verses and the final "\n"

    def depends(self, pos):
        """True if the mask at ``pos`` depends on the prefix (a rhyme after the first one)."""
        verse, j = divmod(pos, self.n + 1)
        return self.rhyme and verse % 2 == 1 and verse > 1 and j == self.n - 1

    def allowed(self, pos, prefix_ids):
        """(V,) bool: ids allowed at position ``pos`` (0 = the first character) after a prefix."""
        verse, j = divmod(pos, self.n + 1)
        if verse == self.k:
            m = np.zeros(self.V, bool)
            m[0] = True
            return m
        if j == self.n:
            m = np.zeros(self.V, bool)
            m[self.vocab.stoi[PUNCT[verse % 2]]] = True
            return m
        if pos < len(self.theme):
            m = np.zeros(self.V, bool)
            m[self.vocab.stoi[self.theme[pos]]] = True
            return m
        if j == 0 and self.acrostic is not None:
            m = np.zeros(self.V, bool)
            m[self.vocab.stoi[self.acrostic[verse]]] = True
            return m
        m = self.is_char.copy()
        if self.tones and j not in self.free:
            want = self.template[verse][j]
            m &= (self.tone == want) | (self.tone == "○")
        if self.rhyme and verse % 2 == 1 and j == self.n - 1:
            m &= self.tone == "平"
            first = [prefix_ids[(v * (self.n + 1)) + self.n - 1]
                     for v in range(1, verse, 2)]
            if first:
                m &= self.rhyme_of == self.rhyme_of[first[0]]
            else:
                m &= self.rhyme_of != ""
        return m


def _step(model, ids, state):
    logp, state = model.forward(np.asarray(ids, dtype=np.int64).reshape(1, -1), state)
    return logp[0], state


def generate_poems(model, vocab, seeds, *, form="5x4", acrostic=None, theme=None,
                   temperature=1.0, top_k=None, tones=False, rhyme=False, constrained=True):
    """One poem per seed, sampled together (each from its own ``np.random.default_rng(seed)``).

    With ``constrained`` the logits are masked by the rules of ``form`` (and ``tones``, ``rhyme``,
    ``acrostic``, ``theme``) before sampling, so every poem is valid; without it the model writes
    freely until it emits "\\n" or the form's length plus 8 characters. ``top_k`` keeps the k most
    likely allowed ids. Returns a list of str, one verse per line.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    rules = _Rules(vocab, form, acrostic, theme, tones, rhyme)
    seeds = list(seeds)
    B = len(seeds)
    rngs = [np.random.default_rng(s) for s in seeds]
    out = [[] for _ in range(B)]
    done = np.zeros(B, bool)
    logp, state = _step(model, np.zeros(B, np.int64), None)
    limit = rules.length() + (0 if constrained else 8)
    for pos in range(limit):
        z = logp / temperature                                   # (B, V)
        if constrained:
            if rules.depends(pos):
                mask = np.stack([rules.allowed(pos, o) for o in out])
            else:
                mask = rules.allowed(pos, out[0])[None, :]
            z = np.where(mask, z, -np.inf)
        if top_k is not None:
            kth = np.partition(z, -top_k, axis=1)[:, -top_k][:, None]
            z = np.where(z >= kth, z, -np.inf)
        c = np.cumsum(np.exp(z - z.max(axis=1, keepdims=True)), axis=1)
        u = np.array([rngs[b].random() if not done[b] else 0.0 for b in range(B)])
        nxt = np.minimum((c < (u * c[:, -1])[:, None]).sum(axis=1), c.shape[1] - 1)
        for b in np.flatnonzero(~done):
            out[b].append(int(nxt[b]))
        done |= nxt == 0
        if done.all():
            break
        last = [o[-1] if o else 0 for o in out]
        logp, state = _step(model, last, state)
    return [_text(vocab, o) for o in out]


def _text(vocab, ids):
    s = vocab.decode([i for i in ids if i != 0])
    return "\n".join(poem_verses(s)) + ("" if s.endswith(tuple(PUNCT)) or not s else
                                         "\n" + re.sub(r".*[，。]", "", s))


def generate_poem(model, vocab, *, form="5x4", acrostic=None, theme=None, temperature=1.0,
                  seed=0, top_k=None, tones=False, rhyme=False):
    """One poem under the form's rules (see ``generate_poems``): a str with one verse per line.

    ``form="5x4"`` gives 4 verses of 5 characters plus ，or 。; ``acrostic="春江花月"`` starts
    verse i with its i-th character; ``theme`` (a keyword or the first verse) starts the poem.
    """
    return generate_poems(model, vocab, [seed], form=form, acrostic=acrostic, theme=theme,
                          temperature=temperature, top_k=top_k, tones=tones, rhyme=rhyme)[0]


def beam_search_poem(model, vocab, *, form="5x4", width=8, acrostic=None, theme=None):
    """The most likely poem the beam finds under the form's rules (no randomness)."""
    rules = _Rules(vocab, form, acrostic, theme)
    logp, state = _step(model, [0], None)
    beams, scores = [[]], np.zeros(1)
    for pos in range(rules.length()):
        cand = np.full((len(beams), logp.shape[1]), -np.inf)
        for b, prefix in enumerate(beams):
            m = rules.allowed(pos, prefix)
            cand[b, m] = scores[b] + logp[b, m]
        flat = np.argsort(cand, axis=None)[::-1][:width]
        flat = flat[np.isfinite(cand.reshape(-1)[flat])]
        rows, ids = np.unravel_index(flat, cand.shape)
        beams = [beams[r] + [int(i)] for r, i in zip(rows, ids)]
        scores = cand[rows, ids]
        state = tuple(s[:, rows] for s in state)
        logp, state = _step(model, ids, state)
    return _text(vocab, beams[int(np.argmax(scores))])


def novelty(poems, train_poems):
    """Share of the generated verses (punctuation dropped) found verbatim in the training poems."""
    seen = {v[:-1] for p in train_poems for v in p["lines"]}
    verses = [v[:-1] for p in poems for v in poem_verses(p)]
    return float(np.mean([v in seen for v in verses]))


def repeat_rate(poems):
    """Share of verses with a character that occurs twice or more in that verse."""
    verses = [v[:-1] for p in poems for v in poem_verses(p)]
    return float(np.mean([len(set(v)) < len(v) for v in verses]))


def follows_tones(poem, form, vocab):
    """True if every constrained position of the poem fits the template of ``form``."""
    n, k = parse_form(form)
    tone, _ = _tables(vocab)
    free = {0, 2} if n == 5 else {0, 2, 4}
    for i, v in enumerate(poem_verses(poem)):
        for j, ch in enumerate(v[:-1]):
            t = tone[vocab.stoi.get(ch, 1)]
            if j not in free and t != "○" and t != TEMPLATES[form][i][j]:
                return False
    return True


def rhymes(poem, vocab):
    """True if the last characters of the even verses are level (平) and share a rhyme group."""
    tone, group = _tables(vocab)
    ends = [vocab.stoi.get(v[-2], 1) for v in poem_verses(poem)[1::2]]
    return bool(all(tone[e] == "平" for e in ends) and len({group[e] for e in ends}) == 1
                and group[ends[0]] != "")
