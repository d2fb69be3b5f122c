"""Build the offline HTML book (_build/html) and the lecture slides (_build/slides).

Usage: python tools/build_book.py [--book] [--slides] [--single]    (default: book and slides)

Book: the chapters in notebooks/ (NN_slug.ipynb, in order; whichever exist today), the Sources page
(notebooks/sources.md, after the chapters), figures/ and book/_config.yml are staged into _build/book_src with a generated _toc.yml and landing page, and
Jupyter Book 1.x builds them without executing anything. MathJax 2 is copied to _build/html/_vendor/.

Slides: `jupyter nbconvert --to slides` per notebook with the template in tools/slides_template,
which loads reveal.js 4 (+ notes plugin), MathJax 2, require.js and jQuery from _build/slides/_vendor/.
Links between chapters and to the Sources page (`sources.md#post-001`, `04_lstm_backward.ipynb`) work in
JupyterLab and the book as written; in the slides they are pointed at the book's pages.

Single page (--single, for the whole-book PDF of tools/make_pdf.py): the same sources built by Jupyter
Book's singlehtml builder into _build/singlehtml, with MathJax set to SVG output (its
CommonHTML and HTML-CSS web-font glyphs do not print); the page is _build/singlehtml/intro.html.

Every asset comes from node_modules/ (npm ci); nothing is fetched when a page is viewed.
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "figures"
BUILD = ROOT / "_build"
SRC = BUILD / "book_src"
SOURCES = NOTEBOOKS / "sources.md"
HTML = BUILD / "html"
SINGLE = BUILD / "singlehtml"
SLIDES = BUILD / "slides"
NODE = ROOT / "node_modules"
BIN = pathlib.Path(sys.executable).parent

MATHJAX_PARTS = ["MathJax.js", "config", "extensions", "fonts", "jax", "localization", "LICENSE"]
REVEAL_THEME = "white"
MATHJAX_SLIDES_URL = "_vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


def chapters():
    """The chapter notebooks, in order: notebooks/NN_slug.ipynb."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def chapter_title(path):
    """The text of the notebook's first '# ' heading (e.g. '03 · The LSTM forward pass')."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def require_node_modules():
    missing = [p for p in ("reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js", "mathjax/MathJax.js",
                           "requirejs/require.js", "jquery/dist/jquery.min.js") if not (NODE / p).exists()]
    if missing:
        sys.exit("build_book: missing browser assets " + ", ".join(missing) +
                 ".\n  Run `npm ci` in the repository (make book does it). npm comes with Node.js: "
                 "`apt-get install nodejs npm` on Debian/Ubuntu, or https://nodejs.org.")


def copy_mathjax(dest):
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        src = NODE / "mathjax" / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)


# ---------------------------------------------------------------------------------------------- book
def landing_page(paths):
    rows = []
    for p in paths:
        title = chapter_title(p)
        rows.append(f"| [{title}](notebooks/{p.stem}) | "
                    f'<a href="../slides/{p.stem}.slides.html">slides</a> |')
    return "\n".join([
        "# Recurrent neural networks, executable",
        "",
        "An executable textbook on recurrent neural networks: from the vanilla RNN and vanishing",
        "gradients through LSTM, GRU and the bidirectional LSTM. Every formula is derived, every",
        "derivation is checked by code, and every claim in the text is an `assert` that ran when this",
        "book was built. The code lives in `lstm_ref`, a small numpy reference package.",
        "",
        "Start with chapter 00: it explains the notation, the array shapes and how to use the book,",
        "the slides and the exercises. The five posts the course follows are listed, with what each",
        "covers, on the [Sources](notebooks/sources.md) page.",
        "",
        "| chapter | lecture slides |",
        "|---|---|",
        *rows,
        "",
    ])


def stage_book():
    paths = chapters()
    if not paths:
        sys.exit("build_book: no notebooks/NN_*.ipynb to build")
    if SRC.exists():
        shutil.rmtree(SRC)
    (SRC / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "book" / "_config.yml", SRC / "_config.yml")
    for p in [*paths, SOURCES]:
        shutil.copy2(p, SRC / "notebooks" / p.name)
    shutil.copytree(FIGURES, SRC / "figures")
    (SRC / "intro.md").write_text(landing_page(paths), encoding="utf-8")
    toc = ["format: jb-book", "root: intro", "chapters:"] + [f"- file: notebooks/{p.stem}" for p in [*paths, SOURCES]]
    (SRC / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    return paths


# The printed book: A4 pages, each chapter from a new page.
# (The theme lays the page out with flex boxes, inside which print breaks are ignored: blocks in print.)
PRINT_CSS = ("<style>@page { size: A4; margin: 16mm 14mm; } @media print { "
             ".bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content, "
             ".bd-article-container, .bd-article, main { display: block !important; } "
             "span[id^=\"document-notebooks/\"] + section { break-before: page; } }</style>")


def build_book(builder="html"):
    """Jupyter Book's `builder` ("html": _build/html, "singlehtml": the book in _build/singlehtml/intro.html)."""
    require_node_modules()
    paths = stage_book()
    out = BUILD / builder
    if out.exists():
        shutil.rmtree(out)
    cmd = [str(BIN / "jupyter-book"), "build", str(SRC), "--path-output", str(ROOT), "--builder", builder]
    subprocess.run(cmd, check=True, cwd=ROOT)
    copy_mathjax(out / "_vendor" / "mathjax")
    if builder == "singlehtml":
        page = out / "intro.html"                     # the root document holds every chapter
        html = page.read_text(encoding="utf-8")
        assert "config=TeX-AMS-MML_HTMLorMML" in html, "build_book: MathJax URL not found in the single page"
        html = html.replace("config=TeX-AMS-MML_HTMLorMML", "config=TeX-AMS-MML_SVG")
        page.write_text(html.replace("</head>", f"{PRINT_CSS}</head>", 1), encoding="utf-8")
    print(f"book ({builder}): {len(paths)} chapters -> {out.relative_to(ROOT)}/")


# ---------------------------------------------------------------------------------------------- slides
LOCAL_LINK = re.compile(r'href="(?:\./)?(\d\d_[\w-]+|sources)\.(?:ipynb|md)(#[^"]*)?"')


def book_links(html):
    """A deck's links to a chapter or to the Sources page, pointed at the book's page (the decks have no
    copy of the notebooks): `href="sources.md#post-001"` -> `href="../html/notebooks/sources.html#post-001"`."""
    return LOCAL_LINK.sub(lambda m: f'href="../html/notebooks/{m.group(1)}.html{m.group(2) or ""}"', html)


def build_slides():
    require_node_modules()
    paths = chapters()
    if SLIDES.exists():
        shutil.rmtree(SLIDES)
    vendor = SLIDES / "_vendor"
    vendor.mkdir(parents=True)
    reveal = vendor / "reveal.js"
    # reveal.js core and the one theme used; other themes @import fonts from the web
    shutil.copytree(NODE / "reveal.js" / "dist", reveal / "dist", ignore=shutil.ignore_patterns("theme", "*.map"))
    (reveal / "dist" / "theme").mkdir()
    shutil.copy2(NODE / "reveal.js" / "dist" / "theme" / f"{REVEAL_THEME}.css", reveal / "dist" / "theme")
    shutil.copytree(NODE / "reveal.js" / "dist" / "theme" / "fonts", reveal / "dist" / "theme" / "fonts")
    shutil.copytree(NODE / "reveal.js" / "plugin", reveal / "plugin")
    shutil.copy2(NODE / "requirejs" / "require.js", vendor / "require.js")
    shutil.copy2(NODE / "jquery" / "dist" / "jquery.min.js", vendor / "jquery.min.js")
    copy_mathjax(vendor / "mathjax")
    # notebooks refer to diagrams as ../figures/NAME.svg
    shutil.copytree(FIGURES, BUILD / "figures", dirs_exist_ok=True)
    cmd = [str(BIN / "jupyter-nbconvert"), "--to", "slides",
           "--template", "rnn_reveal",
           f"--TemplateExporter.extra_template_basedirs={ROOT / 'tools' / 'slides_template'}",
           "--SlidesExporter.reveal_url_prefix=_vendor/reveal.js",
           "--SlidesExporter.require_js_url=_vendor/require.js",
           "--SlidesExporter.jquery_url=_vendor/jquery.min.js",
           f"--HTMLExporter.mathjax_url={MATHJAX_SLIDES_URL}",
           "--SlidesExporter.reveal_scroll=True",
           f"--SlidesExporter.reveal_theme={REVEAL_THEME}",
           "--output-dir", str(SLIDES), *map(str, paths)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:                          # nbconvert's reason, not just its exit status
        sys.exit(f"build_book: jupyter nbconvert --to slides failed:\n{done.stderr[-4000:]}")
    for deck in SLIDES.glob("*.slides.html"):
        deck.write_text(book_links(deck.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"slides: {len(paths)} decks -> {SLIDES.relative_to(ROOT)}/")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", action="store_true")
    parser.add_argument("--slides", action="store_true")
    parser.add_argument("--single", action="store_true", help="the one-page book for the PDF")
    args = parser.parse_args(argv)
    if args.single:
        build_book("singlehtml")
    both = not (args.book or args.slides or args.single)
    if args.book or both:
        build_book()
    if args.slides or both:
        build_slides()


if __name__ == "__main__":
    main()
