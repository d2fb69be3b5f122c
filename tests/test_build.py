"""Checks of the built HTML book (_build/html) and slides (_build/slides): offline and complete."""
import html.parser
import pathlib
import re
import urllib.parse

import pytest

from conftest import chapter_notebooks

pytestmark = pytest.mark.build
REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
CSS_REMOTE = re.compile(r"""(@import\s+(url\()?\s*['"]?\s*(https?:)?//)|(url\(\s*['"]?\s*(https?:)?//)""", re.I)


class Assets(html.parser.HTMLParser):
    """Collects what a page loads: scripts, stylesheets, preloads, images, frames, inline styles."""

    def __init__(self):
        super().__init__()
        self.loads, self.links, self.styles, self._in_style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.loads.append(("script", a["src"]))
        elif tag == "link":
            rel = (a.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "modulepreload", "icon")) and a.get("href"):
                self.loads.append((f"link[{rel}]", a["href"]))
            elif a.get("href"):
                self.links.append(a["href"])
        elif tag in ("img", "iframe", "source", "video", "audio", "embed") and a.get("src"):
            self.loads.append((tag, a["src"]))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(page):
    parser = Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def local_target(page, url):
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return (page.parent / path).resolve()


def pages(built):
    """Every built page (theme macro templates under _static/ and vendored packages are not pages)."""
    found = [p for p in sorted((built / "html").rglob("*.html")) if not {"_static", "_vendor"} & set(p.parts)]
    found += sorted((built / "slides").glob("*.html"))
    assert found
    return found


def test_every_chapter_is_built(built):
    stems = [p.stem for p in chapter_notebooks()]
    for stem in stems:
        assert (built / "html" / "notebooks" / f"{stem}.html").is_file(), f"book page of {stem}"
        assert (built / "slides" / f"{stem}.slides.html").is_file(), f"slides of {stem}"


def test_table_of_contents_lists_chapters_in_order(built):
    nav = parse(built / "html" / "intro.html").links
    linked = []
    for href in nav:
        m = re.match(r"(?:\./)?notebooks/(\d\d_[\w-]+)\.html$", href)
        if m and m.group(1) not in linked:
            linked.append(m.group(1))
    assert linked == [p.stem for p in chapter_notebooks()]


def test_no_page_loads_anything_from_the_network(built):
    offenders = []
    for page in pages(built):
        assets = parse(page)
        offenders += [f"{page.relative_to(built)}: {kind} {url}" for kind, url in assets.loads if REMOTE.match(url)]
        offenders += [f"{page.relative_to(built)}: inline style {m.group(0)}"
                      for style in assets.styles for m in CSS_REMOTE.finditer(style)]
    assert not offenders, "\n".join(offenders)


def test_no_stylesheet_imports_from_the_network(built):
    """Follow every stylesheet a page links, and its local @imports, and look for remote URLs."""
    seen, todo, offenders = set(), [], []
    for page in pages(built):
        todo += [local_target(page, url) for kind, url in parse(page).loads
                 if "stylesheet" in kind and not REMOTE.match(url)]
    while todo:
        css = todo.pop()
        if css in seen or not css.is_file():
            continue
        seen.add(css)
        text = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8", errors="replace"), flags=re.S)
        offenders += [f"{css.relative_to(built.resolve())}: {m.group(0)}" for m in CSS_REMOTE.finditer(text)]
        todo += [(css.parent / m.group(1)).resolve()
                 for m in re.finditer(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", text) if not REMOTE.match(m.group(1))]
    assert seen, "no stylesheets found"
    assert not offenders, "\n".join(offenders)


def test_every_local_asset_exists(built):
    missing = []
    for page in pages(built):
        for kind, url in parse(page).loads:
            if REMOTE.match(url) or url.startswith(("data:", "#")):
                continue
            if not local_target(page, url).is_file():
                missing.append(f"{page.relative_to(built)}: {kind} {url}")
    assert not missing, "\n".join(missing)


def test_mathjax_is_local_and_not_under_static(built):
    html = built / "html"
    assert (html / "_vendor" / "mathjax" / "MathJax.js").is_file()
    assert not list((html / "_static").rglob("MathJax.js")), "MathJax under _static/ gets injected page-wide"
    page = html / "notebooks" / f"{chapter_notebooks()[0].stem}.html"
    scripts = [url for kind, url in parse(page).loads if kind == "script"]
    mathjax = [u for u in scripts if "MathJax.js" in u]
    assert len(mathjax) == 1 and local_target(page, mathjax[0]) == (html / "_vendor/mathjax/MathJax.js").resolve()


def test_slides_use_local_reveal_with_notes_plugin(built):
    for page in sorted((built / "slides").glob("*.slides.html")):
        text = page.read_text(encoding="utf-8")
        for asset in ("_vendor/reveal.js/dist/reveal.js", "_vendor/reveal.js/plugin/notes/notes.js"):
            assert asset.removeprefix("_vendor/").split("/")[0] in text and asset in text, (page.name, asset)
            assert (page.parent / asset).is_file()
        assert "_vendor/mathjax/MathJax.js" in text
        assert 'class="reveal"' in text


def test_figures_are_reachable_from_pages(built):
    """Diagrams referenced by the notebooks resolve in the book and next to the slides."""
    for page in pages(built):
        for kind, url in parse(page).loads:
            if kind == "img" and url.endswith(".svg"):
                assert local_target(page, url).is_file(), f"{page.name}: {url}"


def test_links_between_pages_resolve(built):
    """Every relative link of a book page or a deck (a chapter to another chapter or to the Sources
    page, sources.md#post-001) points at a file that exists; in the decks, at the book's page."""
    broken = []
    for page in pages(built):
        for url in parse(page).links:
            path = url.split("#")[0].split("?")[0]
            if REMOTE.match(url) or not path or url.startswith(("mailto:", "data:", "javascript:")):
                continue
            if not local_target(page, path).exists():
                broken.append(f"{page.relative_to(built)}: {url}")
    assert not broken, "\n".join(broken)


def test_sources_page_lists_the_five_posts(built):
    page = built / "html" / "notebooks" / "sources.html"
    html = page.read_text(encoding="utf-8")
    for n in range(5):
        assert f'id="post-00{n}"' in html, f"no anchor post-00{n} on {page.name}"
    titles = re.findall(r"《([^》]+)》", (built.parent / "notebooks" / "sources.md").read_text(encoding="utf-8"))
    assert "【深度学习】RNN与LSTM" in titles and len(titles) >= 5
    assert any(link.endswith("sources.html") for link in parse(built / "html" / "intro.html").links)


def test_make_serve_prints_two_urls_that_serve_the_book_and_the_slides(built):
    """`make serve` serves _build/ on 127.0.0.1 and prints the book's and the slides' addresses."""
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["make", "--no-print-directory", "serve", f"PORT={port}"], cwd=built.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        urls = [re.search(r"http://127\.0\.0\.1:\d+/\S*", proc.stdout.readline()) for _ in range(2)]
        assert all(urls), "make serve did not print two URLs"
        urls = [u.group(0) for u in urls]
        assert urls == [f"http://127.0.0.1:{port}/html/index.html", f"http://127.0.0.1:{port}/slides/"], urls
        for url in urls:
            for _ in range(50):
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        assert response.status == 200
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise AssertionError(f"{url} did not answer")
        with urllib.request.urlopen(urls[1], timeout=10) as response:
            listing = response.read().decode()
        assert all(f"{p.stem}.slides.html" in listing for p in chapter_notebooks())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
