"""The built book and slides in a real browser (headless Debian Chromium), served on 127.0.0.1.

Opens one book chapter and one slide deck that contain equations, dumps the DOM after MathJax and
reveal.js have run, and takes a screenshot of each (kept in _build/browser/ to look at). Every host
other than 127.0.0.1 resolves to nothing, so a page that needed the network would fail here.
"""
import functools
import http.server
import importlib.util
import json
import pathlib
import re
import subprocess
import threading
import urllib.request

import pytest

from conftest import ROOT, chapter_notebooks, cjk_font_families

pytestmark = pytest.mark.browser

# tools/slide_fit.py: how a slide is measured (all fragments shown, maths typeset at the slide's width)
_spec = importlib.util.spec_from_file_location("slide_fit", ROOT / "tools" / "slide_fit.py")
slide_fit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slide_fit)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    requested = []

    def log_message(self, fmt, *args):
        QuietHandler.requested.append(self.path)


@pytest.fixture(scope="module")
def server(built):
    handler = functools.partial(QuietHandler, directory=str(built))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run_chromium(chromium, tmp_path, url, *extra):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
           "--disable-extensions", "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}",
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
           "--virtual-time-budget=8000", "--window-size=1280,800", *extra, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def chapter_with_equations():
    """The first chapter whose Markdown has display math (chapter 00 has)."""
    for path in chapter_notebooks():
        if "$$" in path.read_text(encoding="utf-8"):
            return path.stem
    pytest.fail("no chapter has display math")


def visible_text(dom):
    """The DOM without <script> elements (MathJax keeps the TeX source in script tags)."""
    return re.sub(r"<script\b.*?</script>", "", dom, flags=re.S | re.I)


def shot(chromium, tmp_path, url, name, built):
    out = built / "browser"
    out.mkdir(exist_ok=True)
    png = out / name
    png.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, url, f"--screenshot={png}")
    assert png.is_file() and png.stat().st_size > 10_000, f"no screenshot {png}"
    return png


def test_book_chapter_typesets_math_offline(chromium, server, built, tmp_path):
    stem = chapter_with_equations()
    url = f"{server}/html/notebooks/{stem}.html"
    QuietHandler.requested.clear()
    dom = run_chromium(chromium, tmp_path, url, "--dump-dom")
    text = visible_text(dom)
    assert "$$" not in text, "raw $$ left: MathJax did not typeset the page"
    assert not re.search(r"\\\[|\\\(", text), r"raw \[ or \( left: MathJax did not typeset the page"
    rendered = len(re.findall(r'class="MathJax(_Display|_CHTML)?"', dom))
    sources = len(re.findall(r'<script type="math/tex', dom))
    assert rendered > 0 and sources > 0, "no MathJax output elements"
    assert any(p.startswith("/html/_vendor/mathjax/") for p in QuietHandler.requested), "MathJax came from elsewhere"
    shot(chromium, tmp_path, url, "book_chapter.png", built)


def test_slides_start_reveal_and_typeset_math(chromium, server, built, tmp_path):
    stem = chapter_with_equations()
    url = f"{server}/slides/{stem}.slides.html"
    dom = run_chromium(chromium, tmp_path, url, "--dump-dom")
    assert re.search(r'class="[^"]*\breveal\b[^"]*\bready\b', dom), "reveal.js did not start (.reveal.ready)"
    present = re.findall(r'<section[^>]*class="[^"]*\bpresent\b', dom)
    future = re.findall(r'<section[^>]*class="[^"]*\bfuture\b', dom)
    assert len(present) >= 1 and len(future) >= 2, "not a slide deck: one current slide, the others ahead"
    assert 'class="controls"' in dom and 'class="progress"' in dom
    text = visible_text(dom)
    assert "$$" not in text, "raw $$ left on the slides"
    assert re.search(r'class="mjx-chtml|class="MathJax', dom), "no MathJax output elements on the slides"
    shot(chromium, tmp_path, url, "slides.png", built)
    # the second slide, addressed as reveal.js does (#/1), renders as its own page-sized slide
    shot(chromium, tmp_path, url + "#/1", "slides_2.png", built)


def untypeset_math(dom):
    """Raw TeX delimiters left in the page's text outside code (<pre>) and scripts."""
    text = re.sub(r"<pre\b.*?</pre>", "", visible_text(dom), flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", "", text)
    return [text[max(0, m.start() - 40):m.start() + 40] for m in re.finditer(r"\$|\\\(|\\\[", text)]


@pytest.mark.parametrize("stem", [p.stem for p in chapter_notebooks()])
def test_every_chapter_typesets_in_book_and_slides(chromium, server, built, tmp_path, stem):
    source = (built.parent / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8")
    has_math = "$" in source
    for url, rendered in [(f"{server}/html/notebooks/{stem}.html", r'class="MathJax(_Display)?"'),
                          (f"{server}/slides/{stem}.slides.html", r'class="mjx-chtml')]:
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200, f"{url}: HTTP {response.status}"
        dom = run_chromium(chromium, tmp_path, url, "--dump-dom")
        left = untypeset_math(dom)
        assert not left, f"{url}: TeX not typeset near {left[:3]}"
        if has_math:
            assert re.search(rendered, dom), f"{url}: no MathJax output"


def test_make_pdf_prints_one_page_per_slide_at_least(chromium, built):
    """`make pdf` (tools/make_pdf.py) prints chapter 00's deck through reveal.js's print view."""
    import json
    import sys

    stem = chapter_notebooks()[0].stem
    pdf = built / "pdf" / f"{stem}.pdf"
    pdf.unlink(missing_ok=True)
    root = built.parent
    subprocess.run([sys.executable, str(root / "tools" / "make_pdf.py"), stem], check=True, cwd=root,
                   capture_output=True, timeout=300)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    cells = json.loads((root / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    slides = sum(c["metadata"]["slideshow"]["slide_type"] in ("slide", "subslide") for c in cells)
    assert pages >= slides, f"{pages} pages for {slides} slides: reveal.js did not lay out the print view"
    # chapter 00 shows the zh/en glossary: its Chinese must be printed in a font that has the glyphs
    assert "中文" in "".join("".join(c["source"]) for c in cells)
    families = cjk_font_families()
    if not families:
        pytest.skip("no Chinese font installed and none can be installed here (needs root and apt-get): "
                    "install one (Debian/Ubuntu: apt-get install fonts-wqy-zenhei) to check the printed glossary")
    embedded = {m.decode() for m in re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([\w-]+)", data)}
    assert any(f.replace(" ", "") in e.replace(" ", "") for f in families for e in embedded), (
        f"the PDF embeds no Chinese font: {sorted(embedded)}; installed: {families}")


def slide_count(path):
    """How many slides (slide or subslide cells) the chapter's deck has."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(c["metadata"]["slideshow"]["slide_type"] in ("slide", "subslide") for c in cells)


def test_every_slide_fits_the_screen(browser, server, built):
    """A lecturer projects the decks: every slide, with all its fragments shown, is at most 700 px tall
    (reveal.js scales the 960 x 700 slide to a 1280 x 720 screen), and no code line, output, table,
    equation or image is wider than its box, so nothing is cut off or has to scroll either way. One
    page measures every deck, as `python tools/slide_fit.py --limit 1.0` does."""
    page = browser.new_page(viewport=slide_fit.VIEWPORT)
    tall, wide = [], []
    for path in chapter_notebooks():
        slides = slide_fit.measure_deck(page, f"{server}/slides/{path.stem}.slides.html")
        assert len(slides) == slide_count(path), (
            f"{path.stem}: {len(slides)} slides measured, {slide_count(path)} in the notebook")
        unseen = [s["k"] for s in slides if s["h"] == 0]
        assert not unseen, f"{path.stem}: slides {unseen} measured 0 px (still hidden)"
        tall += [f"{path.stem} {slide_fit.describe(s)}" for s in slide_fit.too_tall(slides, 1.0)]
        wide += [f"{path.stem} {slide_fit.describe_wide(w)}" for w in slide_fit.too_wide(page)]
    page.close()
    assert not tall, (f"{len(tall)} slides taller than {slide_fit.SLIDE_HEIGHT} px: split them or send "
                      "detail to the book (skip) or to the speaker notes (notes):\n" + "\n".join(tall))
    assert not wide, (f"{len(wide)} boxes on the slides hold something wider than themselves: break the "
                      "line, the equation or the table, or show a smaller piece:\n" + "\n".join(wide))
