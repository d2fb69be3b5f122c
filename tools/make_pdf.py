"""Print every slide deck in _build/slides to _build/pdf/NN_slug.pdf with headless Chromium.

Usage: python tools/make_pdf.py [NN_slug ...]       (default: every deck; run `make slides` first)

reveal.js lays the deck out one slide per page when the URL has `?print-pdf`; the decks are served
on 127.0.0.1 so that MathJax and reveal.js load exactly as in a browser, with no network.
"""
import functools
import http.server
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main(argv):
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        sys.exit("make_pdf: Chromium not found; install it (Debian/Ubuntu: apt-get install chromium)")
    zh = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not zh.strip():
        print("make_pdf: warning: no Chinese font found, the zh/en terms will print as boxes; install one "
              "(Debian/Ubuntu: apt-get install fonts-wqy-zenhei)", file=sys.stderr)
    decks = sorted((BUILD / "slides").glob("*.slides.html"))
    if argv:
        decks = [d for d in decks if d.name.removesuffix(".slides.html") in argv]
    if not decks:
        sys.exit("make_pdf: no slide decks in _build/slides: run `make slides` first")
    out = BUILD / "pdf"
    out.mkdir(exist_ok=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(BUILD)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        for deck in decks:
            pdf = out / deck.name.replace(".slides.html", ".pdf")
            pdf.unlink(missing_ok=True)                   # never report an older print as this one
            url = f"http://127.0.0.1:{httpd.server_address[1]}/slides/{deck.name}?print-pdf"
            with tempfile.TemporaryDirectory() as profile:
                done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                                       "--disable-background-networking", "--no-first-run",
                                       "--disable-component-update", "--disable-sync", "--disable-quic",
                                       f"--user-data-dir={profile}",
                                       "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                                       "--virtual-time-budget=60000", "--run-all-compositor-stages-before-draw",
                                       "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url],
                                      capture_output=True, text=True, timeout=300)
            if done.returncode != 0 or not pdf.is_file():
                sys.exit(f"make_pdf: Chromium could not print {deck.name}:\n{done.stderr[-3000:]}")
            print(f"{pdf.relative_to(ROOT)}  ({pdf.stat().st_size // 1024} kB)")
    finally:
        httpd.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
