"""JupyterLab as a learner meets it, in a real browser: Playwright drives the system Chromium.

`make lab` starts the server (on 127.0.0.1, with a random port and token added through LAB_ARGS),
exactly as a learner starts it. The tests then

- open every chapter from the file browser and check that every <img> loaded (naturalWidth > 0),
  that MathJax typeset the Markdown maths, that no cell shows an error and that every link to a
  file of the repository (another chapter, sources.md#post-001) resolves;
- run chapter 03 (Run All) and move a slider of its gate explorer: the picture must be redrawn;
- open the RISE slideshow of a chapter (Alt+R) and advance it;
- show that the checks fail on a notebook with a broken figure path and a broken link, and on one
  with a failing cell.

Screenshots for a person to look at go to _build/lab/. The RISE view saves its notebook, so it shows a
copy of the chapter. The chapters are never saved: autosave is off
in a throw-away settings directory, every tab is closed with "Discard", and a final check compares
the notebooks' bytes before and after.
"""
import hashlib
import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import time
import urllib.request

import pytest

from conftest import BUILD, ROOT, chapter_notebooks

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing: "
                               "pip install -r requirements-dev.txt")

pytestmark = pytest.mark.browser

SHOTS = BUILD / "lab"
FIXTURES = BUILD / "lab_fixtures"          # inside the server's root, outside the repository's files
EXPLORER_CHAPTER = "03_lstm_forward"       # the chapter whose gate explorer is an ipywidgets app
SLIDES_CHAPTER = "03_lstm_forward"
# User settings of the throw-away lab: never write a chapter back, no news pop-up over the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


# ---------------------------------------------------------------------------------------- fixtures
def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, token) of `make lab` started with a random port and token; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("lab")
    for name, settings in LAB_SETTINGS.items():
        (tmp / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "settings" / name).write_text(json.dumps(settings))
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces")}
    token = secrets.token_hex(16)
    before = {p: sha(p) for p in chapter_notebooks()}
    log = (tmp / "lab.log").open("w+")
    # -o: take the installed venv as up to date (make test has just checked it); LAB_ARGS as documented
    cmd = ["make", "--no-print-directory", "-o", ".venv/.stamp-learner", "lab",
           f"LAB_ARGS=--no-browser --ServerApp.port=0 --IdentityProvider.token={token}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base, deadline = None, time.monotonic() + 120
        while base is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            log.seek(0)
            found = re.search(r"(http://127\.0\.0\.1:\d+)/lab/tree/notebooks\?token=", log.read())
            base = found and found.group(1)
        log.seek(0)
        assert base, f"`make lab` did not start a server on 127.0.0.1:\n{log.read()[-3000:]}"
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    changed = [p.name for p, h in before.items() if p.exists() and sha(p) != h]
    assert not changed, f"the lab session wrote to the chapters: {changed}"


@pytest.fixture(scope="module")
def lab_page(lab, browser):
    """One JupyterLab tab on /lab/tree/notebooks (the URL `make lab` opens), kept for the module."""
    base, token = lab
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.console = []
    page.on("console", lambda m: page.console.append(f"{m.type}: {m.text}"))
    page.goto(f"{base}/lab/tree/notebooks?token={token}&reset", timeout=120_000)
    page.wait_for_selector(".jp-DirListing-item[data-file-type=notebook]", timeout=120_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()


def shut_down_kernels(lab):
    """Shut down every kernel the lab started (through its REST API), as a learner's "Shut Down All"."""
    base, token = lab
    request = urllib.request.Request(f"{base}/api/sessions?token={token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        sessions = json.load(response)
    for s in sessions:
        urllib.request.urlopen(urllib.request.Request(f"{base}/api/sessions/{s['id']}?token={token}",
                                                      method="DELETE"), timeout=60)


# ---------------------------------------------------------------------------------------- helpers
def open_notebook(page, path):
    """Open `path` (relative to the repository): a chapter from the file browser, as a learner does,
    anything else with File → Open from Path…"""
    folder, name = path.rsplit("/", 1)
    if folder == "notebooks":
        listing = page.locator(".jp-DirListing-item[data-file-type=notebook]", has_text=name)
        if not listing.count():                          # the file browser is elsewhere: go home, then in
            page.locator(".jp-BreadCrumbs-home").click()
            page.locator(".jp-DirListing-item[data-isdir=true] .jp-DirListing-itemText",
                         has_text=re.compile(r"^notebooks$")).dblclick()
        page.locator(".jp-DirListing-item[data-file-type=notebook]", has_text=name).first.dblclick()
    else:
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Open from Path")).click()
        page.locator(".jp-Dialog input").fill(path)
        page.locator(".jp-Dialog button", has_text="Open").click()
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for(timeout=60_000)
    accept_kernel(page)
    return panel


def accept_kernel(page, wait_ms=3000):
    """JupyterLab sometimes asks which kernel to start: take the notebook's own (Python 3) and
    tick "Always start the preferred kernel", as a learner would."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        dialog.wait_for(timeout=wait_ms)
    except sync_api.TimeoutError:
        return
    box = dialog.locator("input[type=checkbox]")
    if box.count():
        box.first.check()
    dialog.locator("button", has_text=re.compile(r"^Select$")).click()


def dismiss_dialogs(page):
    """Answer open dialogs ("Save your work?": Discard; anything else: Escape); return their texts."""
    texts = []
    for _ in range(10):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            break
        texts.append(" ".join(dialog.first.inner_text().split()))
        discard = dialog.first.locator("button", has_text="Discard")
        if discard.count():
            discard.click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_timeout(300)
    return texts


def close_all(page):
    """Close every tab of the main area without saving (opening a chapter fills in the kernel's
    language_info, so JupyterLab asks to save: Discard). Returns the texts of unexpected dialogs."""
    unexpected = [t for t in dismiss_dialogs(page) if not t.startswith("Save your work")]
    tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-closable")
    for _ in range(20):
        if not tabs.count():
            return unexpected
        tabs.first.locator(".lm-TabBar-tabCloseIcon").click()
        page.wait_for_timeout(300)
        unexpected += [t for t in dismiss_dialogs(page) if not t.startswith("Save your work")]
    raise AssertionError("could not close the lab's tabs")


PROBLEMS_JS = r"""
async (panel) => {
  const problems = [];
  // every image, scrolled into view (the notebook renders lazily) and decoded
  for (const img of panel.querySelectorAll('img')) {
    img.scrollIntoView();
    try {
      await Promise.race([img.decode(), new Promise((_, no) => setTimeout(() => no('timeout'), 15000))]);
    } catch (e) {}
    if (!(img.complete && img.naturalWidth > 0))
      problems.push('image not loaded: ' + (img.getAttribute('src') || '').split('?')[0].slice(0, 120));
  }
  // error outputs (tracebacks) and anything else written to stderr
  for (const out of panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    problems.push('error output: ' + out.innerText.trim().slice(0, 300));
  // TeX left in the rendered Markdown, outside code
  let math = 0;
  for (const md of panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')) {
    math += md.querySelectorAll('mjx-container').length;
    const copy = md.cloneNode(true);
    copy.querySelectorAll('pre, code, mjx-container, script').forEach(e => e.remove());
    const raw = copy.textContent.match(/.{0,30}(\$|\\\(|\\\[|\\begin\{|\\frac).{0,30}/);
    if (raw) problems.push('TeX not typeset: ' + raw[0]);
  }
  return {problems, math, images: panel.querySelectorAll('img').length,
          markdown: panel.querySelectorAll('.jp-MarkdownCell').length,
          rendered: panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown').length};
}
"""


def problems_in(panel, expect_math, timeout=60):
    """Problems the learner would see in the open notebook, once MathJax has finished."""
    deadline = time.monotonic() + timeout
    while True:
        found = panel.evaluate(PROBLEMS_JS)
        settled = found["rendered"] == found["markdown"] and (found["math"] > 0 or not expect_math) \
            and not any(p.startswith("TeX") for p in found["problems"])
        if settled or time.monotonic() > deadline:
            return found
        time.sleep(1)


def broken_links(page, panel):
    """Links of the rendered Markdown to files of the repository (JupyterLab turns `sources.md#post-001`
    or `../figures/x.svg` into /files/... and opens them in a tab) whose target does not exist."""
    urls = panel.evaluate("(p) => [...p.querySelectorAll('.jp-RenderedMarkdown a')].map(a => a.href)"
                          ".filter(h => h.includes('/files/'))")
    return [f"link to a missing file: {u.split('/files/', 1)[1].split('?')[0]}" for u in urls
            if page.request.get(u.split("#")[0]).status != 200]


def has_markdown_math(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return any(c["cell_type"] == "markdown" and "$" in "".join(c["source"]) for c in cells)


PROMPTS_JS = "(panel) => [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim())"


def run_all(page, panel, timeout=300):
    """Edit → Clear Outputs of All Cells (the stored prompts [1]… go to [ ]), Run → Run All Cells, then
    wait until every code cell has run again (no [ ] or [*] prompt is left)."""
    accept_kernel(page, wait_ms=500)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Edit$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Clear Outputs of All Cells$")).click()
    page.wait_for_function(f"(panel) => ({PROMPTS_JS})(panel).every(t => !/\\d/.test(t))",
                           arg=panel.element_handle(), timeout=30_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        page.wait_for_function(f"(panel) => {{ const p = ({PROMPTS_JS})(panel); "
                               "return p.length > 0 && p.every(t => /^\\[\\d+\\]:?$/.test(t)); }",
                               arg=panel.element_handle(), timeout=timeout * 1000, polling=1000)
    except sync_api.TimeoutError:
        page.screenshot(path=str(SHOTS / "run_all_timeout.png"))
        raise AssertionError(f"Run All did not finish in {timeout} s; prompts: {panel.evaluate(PROMPTS_JS)}")


def png_bytes(img):
    """The bytes of the picture an <img> shows (the widget's blob: URL), as a list of ints."""
    return img.evaluate("async (img) => Array.from(new Uint8Array(await (await fetch(img.src)).arrayBuffer()))")


# ---------------------------------------------------------------------------------------- fixture notebooks
def fixture_notebook(name, cells):
    """A small notebook under _build/lab_fixtures/ (the lab serves the repository, _build included)."""
    import nbformat
    FIXTURES.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                           "language": "python"}})
    nb.cells = cells
    nbformat.write(nb, FIXTURES / name)
    return f"_build/lab_fixtures/{name}"


def broken_figure_notebook():
    from nbformat.v4 import new_markdown_cell
    return fixture_notebook("broken_figure.ipynb", [
        new_markdown_cell("# A figure that loads and one that does not\n\n$$h_t = \\tanh(W h_{t-1})$$\n\n"
                          "![the LSTM cell](../../figures/lstm_cell.svg)\n\n"
                          "![a misspelt path](../../figures/lstm_cel.svg)\n\n"
                          "Links: [the Sources page](../../notebooks/sources.md#post-001), "
                          "[a chapter that does not exist](../../notebooks/10_no_such_chapter.ipynb)")])


def failing_cell_notebook():
    from nbformat.v4 import new_code_cell, new_markdown_cell
    return fixture_notebook("failing_cell.ipynb", [
        new_markdown_cell("# A cell that fails\n\nThe maths $x_t$ is fine."),
        new_code_cell("1 + 1"),
        new_code_cell("raise ValueError('a deliberately failing cell')")])


# ---------------------------------------------------------------------------------------- tests
def test_make_lab_serves_the_repository_and_opens_notebooks(lab_page):
    """The file browser starts in notebooks/ and lists every chapter; no incompatible extension loads."""
    names = lab_page.locator(".jp-DirListing-item[data-file-type=notebook]").all_inner_texts()
    for path in chapter_notebooks():
        assert any(path.name in n for n in names), f"{path.name} not in the file browser: {names}"
    lab_page.screenshot(path=str(SHOTS / "lab_file_browser.png"))
    # jupyterlab-rise requires jupyterlab-mathjax3, a JupyterLab 3 extension that JupyterLab 4 (MathJax 3
    # built in) flags as incompatible. make disables it: JupyterLab still fetches its module, whose one
    # version warning is the trace of that, but never activates its plugin.
    config = json.loads(lab_page.locator("#jupyter-config-data").text_content())
    assert "@jupyterlab/mathjax3-extension" in config["disabledExtensions"], config["disabledExtensions"]
    mismatches = [m for m in lab_page.console if "Unsatisfied version" in m or "No satisfying version" in m]
    assert all("required ^3.2.8" in m for m in mismatches), mismatches


@pytest.mark.parametrize("stem", [p.stem for p in chapter_notebooks()])
def test_every_chapter_shows_its_figures_maths_and_no_errors(lab, lab_page, stem):
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    panel = open_notebook(lab_page, f"notebooks/{path.name}")
    try:
        found = problems_in(panel, has_markdown_math(path))
        found["problems"] += broken_links(lab_page, panel)
        panel.evaluate("(p) => p.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollTo(0, 0)")
        lab_page.screenshot(path=str(SHOTS / f"{stem}.png"))
    finally:
        dialogs = close_all(lab_page)
        shut_down_kernels(lab)
    assert not dialogs, f"JupyterLab showed: {dialogs}"
    assert found["rendered"] == found["markdown"], f"{found['markdown'] - found['rendered']} Markdown cells not rendered"
    assert not found["problems"], "\n".join(found["problems"])
    if has_markdown_math(path):
        assert found["math"] > 0, "MathJax typeset nothing"


def test_a_broken_figure_path_and_a_broken_link_fail_the_check(lab, lab_page):
    panel = open_notebook(lab_page, broken_figure_notebook())
    try:
        found = problems_in(panel, expect_math=True)
        links = broken_links(lab_page, panel)
        lab_page.screenshot(path=str(SHOTS / "fixture_broken_figure.png"))
    finally:
        dialogs = close_all(lab_page)
        shut_down_kernels(lab)
    assert not dialogs, f"JupyterLab showed: {dialogs}"
    assert found["images"] == 2 and found["math"] > 0
    assert len(found["problems"]) == 1 and found["problems"][0].endswith("/files/figures/lstm_cel.svg"), found["problems"]
    assert links == ["link to a missing file: notebooks/10_no_such_chapter.ipynb"], links


def test_a_failing_cell_fails_the_check(lab, lab_page):
    panel = open_notebook(lab_page, failing_cell_notebook())
    try:
        assert problems_in(panel, expect_math=True)["problems"] == []       # nothing has run yet
        run_all(lab_page, panel, timeout=120)
        found = problems_in(panel, expect_math=True)
        lab_page.screenshot(path=str(SHOTS / "fixture_failing_cell.png"))
    finally:
        dialogs = close_all(lab_page)
        shut_down_kernels(lab)
    assert not dialogs, f"JupyterLab showed: {dialogs}"
    assert len(found["problems"]) == 1 and "a deliberately failing cell" in found["problems"][0], found["problems"]


def test_run_all_renders_the_gate_explorer_and_a_slider_redraws_it(lab, lab_page):
    panel = open_notebook(lab_page, f"notebooks/{EXPLORER_CHAPTER}.ipynb")
    try:
        run_all(lab_page, panel)
        lab_page.screenshot(path=str(SHOTS / f"{EXPLORER_CHAPTER}_run_all.png"))
        explorer = panel.locator(".widget-vbox", has=lab_page.locator(".widget-slider")).first
        picture = explorer.locator("img")
        picture.wait_for(state="attached", timeout=60_000)
        picture.evaluate("(img) => img.scrollIntoView({block: 'center'})")
        assert explorer.locator(".widget-slider").count() == 3
        lab_page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=picture.element_handle(),
                                   timeout=60_000)
        first_src, first_png = picture.get_attribute("src"), png_bytes(picture)
        lab_page.screenshot(path=str(SHOTS / f"{EXPLORER_CHAPTER}_explorer.png"))
        handle = explorer.locator(".widget-slider .noUi-handle").first      # b_f, 2.0 → 0.0 in four steps
        handle.focus()
        for _ in range(4):
            handle.press("ArrowLeft")
        readout = explorer.locator(".widget-readout").first
        lab_page.wait_for_function("(el) => el.innerText.trim() === '0.00'", arg=readout.element_handle(),
                                   timeout=30_000)
        lab_page.wait_for_function("([img, src]) => img.src !== src && img.complete && img.naturalWidth > 0",
                                   arg=[picture.element_handle(), first_src], timeout=60_000)
        time.sleep(1)                                          # let a last redraw land before comparing
        assert png_bytes(picture) != first_png, "moving the slider did not change the picture"
        lab_page.screenshot(path=str(SHOTS / f"{EXPLORER_CHAPTER}_explorer_moved.png"))
        found = problems_in(panel, expect_math=True)
    finally:
        dialogs = close_all(lab_page)
        shut_down_kernels(lab)
    assert not dialogs, f"JupyterLab showed: {dialogs}"
    assert not found["problems"], "\n".join(found["problems"])


def test_rise_slideshow_appears_and_advances(lab, lab_page):
    """Alt+R (RISE: Render as slides) saves the notebook and shows it as reveal.js slides beside it.
    It saves, so it runs on a copy of the chapter in _build/lab_slides/ (its ../figures/ is
    _build/figures/, which the slides build fills)."""
    copy = BUILD / "lab_slides" / f"{SLIDES_CHAPTER}.ipynb"
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes((ROOT / "notebooks" / copy.name).read_bytes())
    panel = open_notebook(lab_page, f"_build/lab_slides/{copy.name}")
    try:
        panel.locator(".jp-Cell").first.click()
        lab_page.keyboard.press("Alt+r")
        frame = lab_page.frame_locator("iframe[src*='/rise/']")
        frame.locator(".reveal.ready .slides section.present").first.wait_for(timeout=180_000)
        current = "() => [...document.querySelectorAll('.reveal .slides section.present')].map(s => s.innerText).join('|')"
        slides = next(f for f in lab_page.frames if "/rise/" in f.url)
        slides.wait_for_function("() => document.querySelectorAll('.reveal mjx-container').length > 0", timeout=60_000)
        first = slides.evaluate(current)
        lab_page.screenshot(path=str(SHOTS / f"{SLIDES_CHAPTER}_rise_1.png"))
        frame.locator(".reveal").first.click()
        lab_page.keyboard.press("ArrowRight")
        slides.wait_for_function(f"(first) => ({current})() !== first", arg=first, timeout=30_000)
        assert slides.evaluate(current).strip(), "the second slide is empty"
        slides.wait_for_timeout(1000)                            # the slide transition
        lab_page.screenshot(path=str(SHOTS / f"{SLIDES_CHAPTER}_rise_2.png"))
        problems = slides.evaluate("() => [...document.querySelectorAll('.reveal img')].filter("
                                   "i => i.closest('section.present') && !(i.complete && i.naturalWidth > 0))"
                                   ".map(i => i.src)")
        assert not problems, f"images not loaded on the current slide: {problems}"
    finally:
        dialogs = close_all(lab_page)
        shut_down_kernels(lab)
    assert not dialogs, f"JupyterLab showed: {dialogs}"
