"""Regenerate lstm_ref/data/tang300.txt from Debian's ``fortunes-zh`` package.

Usage (needs apt and dpkg-deb; not run by the tests)::

    python scripts/extract_tang_poems.py            # writes lstm_ref/data/tang300.txt
    python scripts/extract_tang_poems.py --source /usr/share/games/fortunes/tang300

Without ``--source`` the script runs ``apt-get download fortunes-zh`` into a temporary
directory, unpacks it with ``dpkg-deb -x`` and reads ``usr/share/games/fortunes/tang300``.

Cleaning rules (also listed in lstm_ref/data/TANG300_SOURCE.md):

1. strip ANSI colour codes (``ESC[32m`` ... ``ESC[m``) that colour the title and author;
2. split the file into poems at lines holding only ``%``; drop empty pieces;
3. title: the first line, kept with its 《》; ASCII ``,`` and ``.`` inside titles become ``，`` and ``。``;
4. author: the second line without its ``作者：`` prefix;
5. body: the remaining lines, each stripped of surrounding whitespace; a prose preface
   (the ``并序`` poems) ends at a blank line and is dropped together with that line;
6. output: UTF-8, one poem per block -- title line, author line, body lines -- blocks
   separated by one empty line, file ends with a newline.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "tang300.txt"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fetch_source(workdir):
    """Download and unpack fortunes-zh into ``workdir``; return the path of tang300."""
    workdir = pathlib.Path(workdir)
    subprocess.run(["apt-get", "download", "fortunes-zh"], cwd=workdir, check=True)
    debs = sorted(workdir.glob("fortunes-zh_*.deb"))
    if not debs:
        raise SystemExit("apt-get download did not produce fortunes-zh_*.deb")
    print(f"package: {debs[-1].name}")
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(workdir / "root")], check=True)
    return workdir / "root" / "usr" / "share" / "games" / "fortunes" / "tang300"


def parse(raw):
    """Parse the fortune file's text into a list of (title, author, body_lines)."""
    text = ANSI.sub("", raw).replace("\r\n", "\n")
    pieces = re.split(r"^%\s*$", text, flags=re.MULTILINE)
    poems = []
    for piece in pieces:
        lines = piece.strip("\n").split("\n")
        if not lines or not lines[0].strip():
            continue
        title = lines[0].strip().replace(",", "，").replace(".", "。")
        author_line = lines[1].strip()
        if not (title.startswith("《") and title.endswith("》")) or not author_line.startswith("作者："):
            raise ValueError(f"unexpected poem header: {lines[:2]!r}")
        author = author_line[len("作者："):].strip()
        body = [line.strip() for line in lines[2:]]
        blanks = [k for k, line in enumerate(body) if not line]
        if blanks:  # a prose preface (并序) ends at the last blank line
            body = body[blanks[-1] + 1:]
        if not body or any(not line for line in body):
            raise ValueError(f"empty body or blank line in {title}")
        poems.append((title, author, body))
    return poems


def render(poems):
    return "\n\n".join("\n".join([title, author, *body]) for title, author, body in poems) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", help="an existing tang300 fortune file (skip the download)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    if args.source:
        raw = pathlib.Path(args.source).read_text(encoding="utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            raw = fetch_source(tmp).read_text(encoding="utf-8")
    poems = parse(raw)
    pathlib.Path(args.out).write_text(render(poems), encoding="utf-8")
    n_chars = sum(len("".join(body)) for _, _, body in poems)
    print(f"{len(poems)} poems, {n_chars} body characters -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
