"""`make pdf`'s whole book, _build/pdf/book.pdf: every chapter in order, the Chinese text in an
embedded Chinese font, the figures and plots, and maths typeset (no raw TeX on any page).

tools/make_pdf.py prints Jupyter Book's single-page build with headless Chromium; poppler's pdfinfo,
pdffonts, pdfimages and pdftotext read the result.
"""
import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT, chapter_notebooks, cjk_font_families

pytestmark = pytest.mark.browser
TEX = re.compile(r"\\frac|\\begin\{|\\end\{|\$\$|\\\(|\\\[|\\mathbf|\\sigma|\\odot|\\tanh")


def poppler(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def book_pdf(chromium, built):
    """Path of _build/pdf/book.pdf, printed afresh by `python tools/make_pdf.py book` (what make pdf runs)."""
    if not (shutil.which("pdffonts") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdffonts, pdftotext) missing and not installable here: "
                    "apt-get install poppler-utils")
    pdf = BUILD / "pdf" / "book.pdf"
    pdf.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_pdf.py"), "book"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


@pytest.fixture(scope="module")
def pages(book_pdf):
    """The text of each page."""
    return poppler("pdftotext", "-layout", str(book_pdf), "-").split("\f")[:-1]


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def chapter_heading(path):
    """The first '# ' heading of the chapter, e.g. '03 · The LSTM forward pass'."""
    for cell in cells(path):
        for line in "".join(cell["source"]).splitlines():
            if cell["cell_type"] == "markdown" and line.startswith("# "):
                return line[2:].strip()
    raise AssertionError(f"{path.name} has no '# ' heading")


def first_line(page_text):
    return next((" ".join(line.split()) for line in page_text.splitlines() if line.strip()), "")


def test_every_chapter_is_printed_in_order_from_a_new_page(book_pdf, pages):
    """Each chapter opens a page with its heading (wrapped or not), in the book's order, and runs
    over at least three pages; the Sources page comes last, on a page of its own."""
    assert len(pages) == int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(book_pdf))).group(1))
    heads = [chapter_heading(p) for p in chapter_notebooks()]
    tops = [first_line(t) for t in pages]
    starts = []
    for head in heads:
        found = [i for i, top in enumerate(tops) if len(top) >= min(15, len(head)) and head.startswith(top)]
        assert len(found) == 1, f"chapter {head!r} opens {len(found)} pages (expected 1)"
        starts.append(found[0])
    assert starts == sorted(starts), f"chapters out of order: {list(zip(heads, starts))}"
    sources = [i for i, top in enumerate(tops) if top == "Sources"]
    assert sources and sources[-1] > starts[-1], "the Sources page is not printed after the chapters"
    lengths = [b - a for a, b in zip(starts, starts[1:] + sources[-1:])]
    assert min(lengths) >= 3, f"a chapter printed on fewer than 3 pages: {list(zip(heads, lengths))}"


def test_chinese_text_is_printed_in_an_embedded_chinese_font(book_pdf, pages):
    families = cjk_font_families()
    assert families, "no Chinese font installed: apt-get install fonts-wqy-zenhei"
    fonts = [line.split() for line in poppler("pdffonts", str(book_pdf)).splitlines()[2:]]
    embedded = {f[0].split("+")[-1] for f in fonts if len(f) >= 5 and f[-5] == "yes"}
    cjk = {e for e in embedded for fam in families if fam.replace(" ", "") in e}
    assert cjk, f"no Chinese font embedded: {sorted(embedded)}; installed: {families}"
    # the zh terms of chapter 00's glossary come out as text, not as boxes
    source = "".join("".join(c["source"]) for c in cells(chapter_notebooks()[0]) if c["cell_type"] == "markdown")
    words = re.findall(r"[\u4e00-\u9fff]{3,}", source)
    text = "".join("".join(t.split()) for t in pages)
    assert len(words) >= 5
    assert all(w in text for w in words[:20]), [w for w in words[:20] if w not in text]


def code_text():
    """Every code cell's source and printed output: TeX there (a SymPy symbol name) is code, not maths."""
    chunks = []
    for path in chapter_notebooks():
        for c in cells(path):
            if c["cell_type"] == "code":
                chunks.append("".join(c["source"]))
                for o in c.get("outputs", []):
                    chunks.append("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", "")))
    return "\n".join(chunks)


def markdown_code_text():
    """Code spans and fenced code in the chapters' Markdown ("the LaTeX `\\mathbf{f}_t` lost its `\\m`")."""
    chunks = []
    for path in chapter_notebooks():
        for c in cells(path):
            if c["cell_type"] == "markdown":
                chunks += re.findall(r"```.*?```|`[^`]+`", "".join(c["source"]), flags=re.S)
    return "\n".join(chunks)


def test_no_page_shows_raw_tex(pages):
    """TeX may appear only where the book shows code: a word of a printed line that matches TeX must
    occur in a code cell, its output, or a Markdown code span."""
    code = code_text() + "\n" + markdown_code_text()
    raw = [(i + 1, line.strip()) for i, t in enumerate(pages) for line in t.splitlines()
           if any(TEX.search(word) and word not in code for word in line.split())]
    assert not raw, f"raw TeX on {len(raw)} lines, e.g. {raw[:5]}"


def test_every_plot_is_in_the_pdf(book_pdf):
    """One colour raster image per PNG plot the book shows (outputs not removed from the book)."""
    expected = 0
    for path in chapter_notebooks():
        for c in cells(path):
            tags = c["metadata"].get("tags", [])
            if c["cell_type"] == "code" and not {"remove-output", "remove-cell"} & set(tags):
                expected += sum("image/png" in o.get("data", {}) for o in c["outputs"])
    rows = [r.split() for r in poppler("pdfimages", "-list", str(book_pdf)).splitlines()[2:]]
    colour = [r for r in rows if len(r) > 6 and r[2] == "image" and r[6] == "3"]
    assert expected > 0 and len(colour) >= expected, f"{len(colour)} colour images for {expected} plots"


def test_every_figure_of_the_printed_page_loaded(book_pdf, page):
    """The diagrams (figures/*.svg) are vector drawings in the PDF, so they are checked on the page that
    was printed: every <img> of _build/singlehtml/intro.html loaded, and each diagram is among them."""
    import functools
    import http.server
    import threading

    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing: pip install -r requirements-dev.txt")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(BUILD)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/singlehtml/intro.html", timeout=120_000)
        images = page.evaluate("""async () => {
            const out = [];
            for (const img of document.querySelectorAll('img')) {
              img.scrollIntoView();
              try { await img.decode(); } catch (e) {}
              out.push([img.getAttribute('src'), img.naturalWidth]);
            }
            return out; }""")
    finally:
        httpd.shutdown()
    broken = [src for src, width in images if not width]
    assert not broken, f"images that did not load: {broken}"
    used = {m for p in chapter_notebooks() for m in re.findall(r"figures/(\w+)\.svg", p.read_text(encoding="utf-8"))}
    shown = {re.sub(r"\W.*", "", src.rsplit("/", 1)[-1]) for src, _ in images if src.endswith(".svg")}
    assert used and used <= shown, f"diagrams missing from the printed page: {sorted(used - shown)}"
