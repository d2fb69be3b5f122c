"""Measure whether every slide fits the screen: content height with all fragments shown, against the
700 px slide of the decks (reveal.js 960 x 700, scaled to a 1280 x 720 window).

Usage: python tools/slide_fit.py [--limit 1.15] [NN_slug ...]     (default: every deck in _build/slides)

Build the decks first (`make slides`). Prints each slide taller than limit x 700 px with the start of
its text, and exits with status 1 if there is any. Needs Playwright and Chromium (/usr/bin/chromium or
Playwright's own).
"""
import argparse
import pathlib
import sys

from playwright.sync_api import sync_playwright

SLIDES = pathlib.Path(__file__).resolve().parents[1] / "_build" / "slides"
SLIDE_HEIGHT = 700
MEASURE = """() => [...document.querySelectorAll('.reveal .slides section')]
  .filter(s => !s.querySelector('section'))
  .map((s, k) => {
    s.querySelectorAll('.fragment').forEach(f => f.classList.add('visible'));
    s.style.display = 'block'; s.hidden = false; s.style.height = 'auto';
    const text = (s.innerText || '').trim().slice(0, 70).replace(/\\s+/g, ' ')
      .replace(/[\\ud800-\\udfff]/g, '');
    return {k, h: s.scrollHeight, text};
  })"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("decks", nargs="*")
    parser.add_argument("--limit", type=float, default=1.15)
    args = parser.parse_args(argv)
    names = args.decks or sorted(p.name.removesuffix(".slides.html") for p in SLIDES.glob("*.slides.html"))
    chromium = pathlib.Path("/usr/bin/chromium")
    total = over = 0
    with sync_playwright() as pw:
        kw = {"executable_path": str(chromium)} if chromium.exists() else {}
        browser = pw.chromium.launch(args=["--no-sandbox"], **kw)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        for name in names:
            page.goto((SLIDES / f"{name}.slides.html").as_uri())
            page.wait_for_timeout(6000)                 # MathJax and the figures
            slides = page.evaluate(MEASURE)
            tall = [s for s in slides if s["h"] > args.limit * SLIDE_HEIGHT]
            total, over = total + len(slides), over + len(tall)
            print(f"{name}: {len(slides)} slides, {len(tall)} taller than {args.limit:g} x {SLIDE_HEIGHT} px")
            for s in tall:
                print(f"    slide {s['k']}: {s['h']} px ({s['h'] / SLIDE_HEIGHT:.2f} x)  {s['text']}")
        browser.close()
    print(f"{over} of {total} slides too tall")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
