"""Build lstm_ref/data/tang_corpus.json.gz, the regulated Tang poems of chapter 08.

Usage (needs npm, or a tarball; OpenCC and pypinyin are dependencies of this script only)::

    pip install opencc==1.4.2 pypinyin==0.55.0
    python scripts/build_tang_corpus.py                          # runs `npm pack chinese-poetry@2.0.1`
    python scripts/build_tang_corpus.py chinese-poetry-2.0.1.tgz  # offline, a tarball you have

Steps (also listed in lstm_ref/data/TANG_CORPUS_SOURCE.md):

1. fetch the npm package chinese-poetry 2.0.1 (MIT, (c) 2016 JackeyGao) and check its sha512
   integrity against the value pinned below;
2. read ``package/dist/quantangshi/poet.tang.*.json`` (author, title, paragraphs, id) and
   convert every string from traditional to simplified characters with OpenCC ``t2s``;
3. keep a poem when its body, split after every ，or 。, has 4 verses (绝句) or 8 verses (律诗),
   every verse 5 or 7 characters of CJK text plus ，or 。, all verses of one length, the
   punctuation alternating ，。 (odd verses end in ，, even verses in 。);
4. drop exact duplicates of the body (the first in file order is kept);
5. split by the first byte of the SHA-1 of the body (UTF-8): values 0-229 train (~90 %),
   230-242 validation (~5 %), 243-255 test (~5 %);
6. a tone table: for each character, its tone (平 or 仄) as marked in
   ``package/dist/strains/json/poet.tang.*.json`` (the tone pattern of each poem, keyed by
   the poem's id), by majority over the training poems; characters marked both ways in more than
   a quarter of their occurrences, or only ○, get "○" (either);
7. a rhyme table: for each character of the tone table, the rhyme group of its modern Mandarin
   final, from pypinyin 0.55.0 (``Style.FINALS``, first reading), grouped as the 中华新韵 groups
   finals (ian, uan -> an; ing -> eng; ...; ``RHYME_GROUPS``); a modern approximation of the
   classical rhyme groups (平水韵), which the package does not ship;
8. write one gzip file (mtime 0, so the bytes are reproducible) holding a JSON object with the
   poems, the tone and rhyme tables and the counts.
"""
import argparse
import base64
import collections
import gzip
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "tang_corpus.json.gz"
SOURCE_MD = ROOT / "lstm_ref" / "data" / "TANG_CORPUS_SOURCE.md"
PACKAGE = "chinese-poetry@2.0.1"
INTEGRITY = ("sha512-KtYARvV7CWNtax0na9+Jn6PlhGgSoid7PWyDzXI4KsCEm2odZcqEQyval5koaLygZnM/"
             "EQ3lfJ//25K8p3uHNg==")
POEMS_RE = re.compile(r"package/dist/quantangshi/poet\.tang\.\d+\.json$")
STRAINS_RE = re.compile(r"package/dist/strains/json/poet\.tang\.\d+\.json$")
VERSE_RE = re.compile(r"[^，。]*[，。]")
CJK_RE = re.compile(r"^[\u4e00-\u9fff]+$")


def fetch(workdir):
    """`npm pack` the package into workdir; return the tarball's path."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    return next(pathlib.Path(workdir).glob("chinese-poetry-*.tgz"))


def check_integrity(path):
    digest = base64.b64encode(hashlib.sha512(pathlib.Path(path).read_bytes()).digest()).decode()
    if "sha512-" + digest != INTEGRITY:
        raise SystemExit(f"{path}: integrity sha512-{digest} does not match the pinned {INTEGRITY}")


def read_members(tarball):
    """(poems, strains, licence): the Tang poem records, {id: strains list}, LICENSE text."""
    poems, strains, licence = [], {}, None
    with tarfile.open(tarball, "r:gz") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        for m in members:
            if POEMS_RE.search(m.name):
                f = m.name.rsplit(".", 2)[-2]
                for k, rec in enumerate(json.load(tar.extractfile(m))):
                    poems.append((int(f), k, rec))
            elif STRAINS_RE.search(m.name):
                for rec in json.load(tar.extractfile(m)):
                    strains[rec["id"]] = rec["strains"]
            elif m.name == "package/LICENSE":
                licence = tar.extractfile(m).read().decode("utf-8")
    poems.sort(key=lambda t: (t[0], t[1]))             # file order: poet.tang.0, 1000, 2000, ...
    return [rec for _, _, rec in poems], strains, licence


def regulated_verses(body):
    """The verses of a regulated 4- or 8-verse poem of 5 or 7 characters, or None."""
    verses = VERSE_RE.findall(body)
    if "".join(verses) != body or len(verses) not in (4, 8):
        return None
    n = len(verses[0]) - 1
    if n not in (5, 7):
        return None
    for i, v in enumerate(verses):
        if len(v) != n + 1 or not CJK_RE.match(v[:-1]) or v[-1] != "，。"[i % 2]:
            return None
    return verses


def split_of(body):
    b = hashlib.sha1(body.encode("utf-8")).digest()[0]
    return "train" if b < 230 else ("validation" if b < 243 else "test")


def tone_table(kept, strains):
    """{char: "平" | "仄" | "○"} from the strains of the training poems."""
    votes = collections.defaultdict(collections.Counter)
    for p in kept:
        if p["split"] != "train" or p["id"] not in strains:
            continue
        marks = "".join(strains[p["id"]])
        body = "".join(p["traditional_verses"])
        if len(marks) != len(body):
            continue
        for ch, mk in zip(p["body"], marks):
            if mk in "平仄○":
                votes[ch][mk] += 1
    table = {}
    for ch, c in sorted(votes.items()):
        ping, ze = c["平"], c["仄"]
        if ping + ze == 0 or min(ping, ze) > 0.25 * (ping + ze):
            table[ch] = "○"
        else:
            table[ch] = "平" if ping > ze else "仄"
    return table


# Modern finals grouped as the 中华新韵 groups them (one group per rhyme; the medial is ignored).
RHYME_GROUPS = {
    "a": "a", "ia": "a", "ua": "a", "o": "o", "uo": "o", "e": "e",
    "ie": "ie", "ve": "ie", "ue": "ie", "i": "i", "er": "er", "v": "v", "u": "u",
    "ai": "ai", "uai": "ai", "ei": "ei", "ui": "ei", "uei": "ei",
    "ao": "ao", "iao": "ao", "ou": "ou", "iu": "ou", "iou": "ou",
    "an": "an", "ian": "an", "uan": "an", "van": "an",
    "en": "en", "in": "en", "un": "en", "uen": "en", "vn": "en",
    "ang": "ang", "iang": "ang", "uang": "ang",
    "eng": "eng", "ing": "eng", "ueng": "eng", "ong": "ong", "iong": "ong",
}


def rhyme_table(chars):
    """{char: rhyme group} from the first pypinyin reading of each character."""
    from pypinyin import Style, lazy_pinyin
    out = {}
    for ch in chars:
        f = lazy_pinyin(ch, style=Style.FINALS, strict=True)[0]
        if f in RHYME_GROUPS:
            out[ch] = RHYME_GROUPS[f]
    return out


def build(tarball):
    import opencc
    cc = opencc.OpenCC("t2s")
    records, strains, licence = read_members(tarball)
    n_read, kept, seen = len(records), [], set()
    for rec in records:
        trad = "".join(rec.get("paragraphs") or [])
        if regulated_verses(trad) is None:          # filter on the source text, then convert
            continue
        body = cc.convert(trad)
        verses = regulated_verses(body)
        if verses is None or body in seen:
            continue
        seen.add(body)
        kept.append({"title": cc.convert(rec.get("title") or ""),
                     "author": cc.convert(rec.get("author") or ""), "lines": verses,
                     "split": split_of(body), "id": rec.get("id", ""), "body": body,
                     "traditional_verses": regulated_verses(trad)})
    n_regulated = sum(1 for rec in records
                      if regulated_verses("".join(rec.get("paragraphs") or [])) is not None)
    tones = tone_table(kept, strains)
    rhymes = rhyme_table(sorted(tones))
    counts = collections.Counter(p["split"] for p in kept)
    chars = collections.Counter(p["split"] for p in kept for _ in p["body"])
    forms = collections.Counter(f"{len(p['lines'][0]) - 1}x{len(p['lines'])}" for p in kept)
    stats = {"poems_read": n_read, "regulated": n_regulated, "kept_after_dedup": len(kept),
             "poems": dict(sorted(counts.items())), "characters": dict(sorted(chars.items())),
             "forms": dict(sorted(forms.items())),
             "distinct_characters_train": len({c for p in kept if p["split"] == "train"
                                               for c in p["body"]}),
             "tone_table_size": len(tones), "rhyme_table_size": len(rhymes)}
    poems = [{k: p[k] for k in ("split", "title", "author", "lines")} for p in kept]
    data = {"source": PACKAGE, "integrity": INTEGRITY, "stats": stats, "poems": poems,
            "tones": tones, "rhymes": rhymes}
    return data, licence


def write(data, licence, out=OUT, source_md=SOURCE_MD):
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    blob = gzip.compress(raw, compresslevel=9, mtime=0)
    out.write_bytes(blob)
    digest = hashlib.sha256(blob).hexdigest()
    s = data["stats"]
    source_md.write_text(f"""# Provenance of `tang_corpus.json.gz`

- Source: the npm package `{PACKAGE}` (the chinese-poetry database by JackeyGao,
  MIT licence, text below), tarball integrity `{INTEGRITY}`.
- Files read: `package/dist/quantangshi/poet.tang.*.json` (the 全唐诗, traditional characters)
  and `package/dist/strains/json/poet.tang.*.json` (the tone pattern 平仄 of each poem).
- Built by `scripts/build_tang_corpus.py` (OpenCC 1.4.2 `t2s`, pypinyin 0.55.0); the selection
  rule, the split and the two tables are described in its docstring.
- Output: `tang_corpus.json.gz`, {len(blob):,} bytes, SHA-256 `{digest}`.

## Counts

| | |
|---|---|
| Tang poem records read | {s['poems_read']:,} |
| regulated (4 or 8 verses of 5 or 7 characters, ，。 alternating) | {s['regulated']:,} |
| kept after dropping duplicate bodies | {s['kept_after_dedup']:,} |
| train / validation / test poems | {s['poems']['train']:,} / {s['poems']['validation']:,} / {s['poems']['test']:,} |
| train / validation / test characters (punctuation included) | {s['characters']['train']:,} / {s['characters']['validation']:,} / {s['characters']['test']:,} |
| forms (characters x verses) | {', '.join(f'{k}: {v:,}' for k, v in s['forms'].items())} |
| distinct characters in train | {s['distinct_characters_train']:,} |
| tone table / rhyme table entries | {s['tone_table_size']:,} / {s['rhyme_table_size']:,} |

## Licence of the source

```
{licence.strip()}
```
""", encoding="utf-8")
    return digest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tarball", nargs="?", help="chinese-poetry-2.0.1.tgz (default: npm pack)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch(tmp)
        check_integrity(tarball)
        data, licence = build(tarball)
    digest = write(data, licence, pathlib.Path(args.out))
    print(json.dumps(data["stats"], ensure_ascii=False, indent=1), digest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
