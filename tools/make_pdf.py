"""Print the slide decks and the whole book to PDF with headless Chromium.

Usage: python tools/make_pdf.py [NN_slug ...] [book]
       (default: every deck in _build/slides and the book; run `make slides` first)

Decks: _build/pdf/NN_slug.pdf. reveal.js lays a deck out one slide per page when the URL has
`?print-pdf`. Book: _build/pdf/book.pdf, every chapter and the Sources page in one document, printed
from Jupyter Book's single-page build (tools/build_book.py --single, MathJax as SVG). Pages are served
on 127.0.0.1 so that MathJax and reveal.js load exactly as in a browser, with no network; the
Chinese text prints in whichever Chinese font fontconfig offers (fonts-wqy-zenhei on Debian).
"""
import functools
import http.server
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

import build_book

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chromium_print(browser, url, pdf, budget_ms):
    """Print `url` to `pdf`; Chromium's virtual time lets MathJax and reveal.js finish first."""
    pdf.unlink(missing_ok=True)                           # never report an older print as this one
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--no-first-run",
                               "--disable-component-update", "--disable-sync", "--disable-quic",
                               f"--user-data-dir={profile}",
                               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                               f"--virtual-time-budget={budget_ms}", "--run-all-compositor-stages-before-draw",
                               "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url],
                              capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not pdf.is_file():
        sys.exit(f"make_pdf: Chromium could not print {url}:\n{done.stderr[-3000:]}")
    print(f"{pdf.relative_to(ROOT)}  ({pdf.stat().st_size // 1024} kB)")


def main(argv):
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        sys.exit("make_pdf: Chromium not found; install it (Debian/Ubuntu: apt-get install chromium)")
    zh = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not zh.strip():
        print("make_pdf: warning: no Chinese font found, the zh/en terms will print as boxes; install one "
              "(Debian/Ubuntu: apt-get install fonts-wqy-zenhei)", file=sys.stderr)
    want_book = not argv or "book" in argv
    names = [a for a in argv if a != "book"]
    decks = sorted((BUILD / "slides").glob("*.slides.html")) if (names or not argv) else []
    if names:
        decks = [d for d in decks if d.name.removesuffix(".slides.html") in names]
    if not decks and not want_book:
        sys.exit("make_pdf: no slide decks in _build/slides: run `make slides` first")
    if want_book:
        build_book.build_book("singlehtml")
    out = BUILD / "pdf"
    out.mkdir(exist_ok=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(BUILD)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        for deck in decks:
            chromium_print(browser, f"{base}/slides/{deck.name}?print-pdf",
                           out / deck.name.replace(".slides.html", ".pdf"), 60000)
        if want_book:
            chromium_print(browser, f"{base}/singlehtml/intro.html", out / "book.pdf", 300000)
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
