"""Measure whether every slide fits the screen: content height with all fragments shown, against the
700 px slide of the decks (reveal.js 960 x 700, scaled to a 1280 x 720 window).

Usage: python tools/slide_fit.py [--limit 1.15] [NN_slug ...]     (default: every deck in _build/slides)

Build the decks first (`make slides`). Prints each slide taller than limit x 700 px with the start of
its text, and each code block, output, table, equation or image wider than its box (cut off at the
slide's edge or scrolled sideways), and exits with status 1 if there is any. Needs Playwright and Chromium (/usr/bin/chromium or
Playwright's own). tests/test_browser.py measures every deck with the same functions (`measure_deck`,
`too_tall`, `too_wide`) at the limit 1.0.
"""
import argparse
import pathlib
import sys

SLIDES = pathlib.Path(__file__).resolve().parents[1] / "_build" / "slides"
SLIDE_HEIGHT = 700
VIEWPORT = {"width": 1280, "height": 720}
# Resolves once reveal.js has started (.reveal.ready: the decks load it with require.js, so there is
# no global Reveal), MathJax has typeset the page (its startup "End" hook, then everything queued
# before it), every image has loaded or failed and the web fonts are in; rejects after `ms` ms.
READY = """ms => new Promise((done, fail) => {
  setTimeout(() => fail(new Error(`deck not typeset after ${ms} ms`)), ms);
  const images = () => Promise.all([...document.images].map(i => i.complete ? null
    : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const math = () => (window.MathJax && MathJax.Hub)
    ? new Promise(r => MathJax.Hub.Register.StartupHook('End', () => { r(); }))
      .then(() => new Promise(r => MathJax.Hub.Queue(() => { r(); })))
    : Promise.resolve();
  const wait = () => document.querySelector('.reveal.ready')
    ? math().then(images).then(() => document.fonts.ready).then(() => done(true))
    : setTimeout(wait, 50);
  wait();
})"""
# Every leaf <section> (one slide or subslide) shown with all its fragments visible, at its natural
# height: {k: its index in the deck, h: its height in px on the 960 x 700 slide, text: its first
# words}. Its enclosing vertical stack is shown too: reveal.js hides the slides far from the current
# one, and a slide inside a hidden stack would measure 0 px. The maths is then typeset again, as the
# decks do on every slide change (MathJax breaks long equations to the width it finds, and a hidden
# slide has none).
MEASURE = """async () => {
  const slides = [...document.querySelectorAll('.reveal .slides section')]
    .filter(s => !s.querySelector('section'));
  for (const s of slides) {
    s.querySelectorAll('.fragment').forEach(f => f.classList.add('visible'));
    for (let e = s; e.tagName === 'SECTION'; e = e.parentElement) {
      e.style.display = 'block'; e.hidden = false;
    }
    s.style.height = 'auto';
  }
  if (window.MathJax && MathJax.Hub) {
    const deck = document.querySelector('.reveal .slides');
    await new Promise(r => MathJax.Hub.Queue(['Rerender', MathJax.Hub, deck], () => { r(); }));
  }
  return slides.map((s, k) => {
    const text = (s.innerText || '').trim().slice(0, 70).replace(/\\s+/g, ' ')
      .replace(/[\\ud800-\\udfff]/g, '');
    return {k, h: s.scrollHeight, text};
  });
}"""


# After MEASURE (every slide shown): the boxes (a slide, a cell, Markdown, an output, a code block, a
# displayed equation) whose content is wider than they are, so that part of it (a code line, a table,
# an image) is cut off at the slide's edge or hidden behind a horizontal scroll bar:
# {k: the slide, tag, over: px too wide, text: its longest line}.
WIDE = """() => {
  const slides = [...document.querySelectorAll('.reveal .slides section')]
    .filter(s => !s.querySelector('section'));
  const out = [];
  slides.forEach((s, k) => {
    const boxes = [s, ...s.querySelectorAll('.jp-Cell, .jp-RenderedHTMLCommon, .jp-OutputArea-output, '
                                            + 'pre, .MathJax_Display')];
    boxes.forEach(e => {
      const over = e.scrollWidth - e.clientWidth;
      if (over > 1) {
        const line = (e.innerText || '').split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
        out.push({k, tag: e.tagName, over, text: line.trim().slice(0, 70)});
      }
    });
  });
  return out;
}"""


def deck_names(slides=SLIDES):
    """The decks built in _build/slides, as NN_slug."""
    return sorted(p.name.removesuffix(".slides.html") for p in slides.glob("*.slides.html"))


def measure_deck(page, url, timeout_ms=60_000):
    """Every slide of the deck at `url` (file:// or http://), measured in the Playwright `page` once it
    is typeset: a list of {k, h, text} in deck order. The page's viewport should be VIEWPORT."""
    page.goto(url, timeout=timeout_ms)
    page.evaluate(READY, timeout_ms)
    return page.evaluate(MEASURE)


def too_wide(page):
    """The elements of the deck just measured (measure_deck) that are wider than their box."""
    return page.evaluate(WIDE)


def too_tall(slides, limit=1.0):
    """The slides (from measure_deck) taller than limit x 700 px."""
    return [s for s in slides if s["h"] > limit * SLIDE_HEIGHT]


def describe(slide):
    return f"slide {slide['k']}: {slide['h']} px ({slide['h'] / SLIDE_HEIGHT:.2f} x)  {slide['text']}"


def describe_wide(element):
    return (f"slide {element['k']}: a {element['tag'].lower()} {element['over']} px wider than its box  "
            f"{element['text']}")


def main(argv=None):
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("decks", nargs="*")
    parser.add_argument("--limit", type=float, default=1.15)
    args = parser.parse_args(argv)
    names = args.decks or deck_names()
    chromium = pathlib.Path("/usr/bin/chromium")
    total = over = 0
    with sync_playwright() as pw:
        kw = {"executable_path": str(chromium)} if chromium.exists() else {}
        browser = pw.chromium.launch(args=["--no-sandbox"], **kw)
        page = browser.new_page(viewport=VIEWPORT)
        for name in names:
            slides = measure_deck(page, (SLIDES / f"{name}.slides.html").as_uri())
            tall, wide = too_tall(slides, args.limit), too_wide(page)
            total, over = total + len(slides), over + len(tall) + len(wide)
            print(f"{name}: {len(slides)} slides, {len(tall)} taller than {args.limit:g} x {SLIDE_HEIGHT} px, "
                  f"{len(wide)} elements wider than their box")
            for s in tall:
                print(f"    {describe(s)}")
            for w in wide:
                print(f"    {describe_wide(w)}")
        browser.close()
    print(f"{over} problems on {total} slides")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
