"""Shared test set-up.

- ``chromium``: the system Chromium (installed with apt where we are root), with a Chinese font and
  poppler's pdffonts/pdftotext for the PDF checks.
- ``built``: the offline book and slides under _build/ (built once if missing, under a file lock so
  pytest-xdist workers never build concurrently; `make test` builds them before pytest starts).
- A closing table of how long each notebook took under nbval, against the 45 s budget per chapter.
- Strict mode (``STRICT_NO_SKIP=1``, set by `.ci/run`): a skipped test fails the run, and the closing
  summary lists what each skip said was missing. Locally a test may still skip when, say, torch or
  Chromium is absent; in CI everything a test needs is installed, or the run says why not.
"""
import collections
import fcntl
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from hypothesis import settings

# No training progress bars in tests or in the kernels nbval starts (they inherit this environment):
# stored notebook outputs never contain one. Set LSTM_REF_PROGRESS=1 to see them anyway.
os.environ.setdefault("LSTM_REF_PROGRESS", "0")

# Property tests draw the same examples on every run in CI (and wherever CI or STRICT_NO_SKIP is set),
# so a red CI run can be reproduced; locally they draw fresh examples unless a test fixes its own.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI", "") not in ("", "0", "false") or os.environ.get("STRICT_NO_SKIP", "") not in ("", "0"):
    settings.load_profile("ci")

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
NOTEBOOK_BUDGET_S = 45.0
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chapter_notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def find_browser():
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


def cjk_font_families():
    """Font families fontconfig knows that cover Chinese (the glossary, Terms and In-the-sources cells)."""
    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return sorted({name.strip() for line in out.splitlines() for name in line.split(",")[:1] if name.strip()})


def missing_system_packages():
    """Debian packages the browser and PDF tests need that are not installed here."""
    return (([] if find_browser() else ["chromium"]) + ([] if cjk_font_families() else ["fonts-wqy-zenhei"])
            + ([] if shutil.which("pdffonts") and shutil.which("pdftotext") else ["poppler-utils"]))


def apt_install(packages):
    """Install Debian packages as root; a failed `apt-get` fails the test with apt's own words."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(cmd)}` failed (exit {done.returncode}), so {', '.join(packages)} "
                        f"cannot be installed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def chromium():
    """Path of a Chromium binary. Where we are root, installs with apt what is missing of Debian's
    `chromium`, a Chinese font (`fonts-wqy-zenhei`; without one the zh/en terms render as boxes) and
    `poppler-utils` (pdffonts, pdftotext for the PDF checks), one pytest worker at a time.
    A failed install is an error; where apt cannot run (not root), the browser tests skip, which
    strict mode (STRICT_NO_SKIP=1, as in CI) turns into a failure."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        packages = missing_system_packages()
        if packages and shutil.which("apt-get") and os.geteuid() == 0:
            apt_install(packages)
            assert find_browser(), "apt-get installed chromium, but no chromium binary is on PATH"
    path = find_browser()
    if path is None:
        pytest.skip("headless Chromium not found and cannot be installed here (needs root and apt-get): "
                    "install it with `apt-get install chromium` (Debian/Ubuntu) to run the browser test")
    return path


# pytest-playwright's `browser` and `page` fixtures launch this Chromium: no browser download, no network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args(chromium):
    return {"executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def built():
    """Path of _build/ holding html/ (book) and slides/, built for the notebooks present now."""
    BUILD.mkdir(exist_ok=True)
    with open(BUILD / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            expected = {p.stem for p in chapter_notebooks()}
            have_html = {p.stem for p in (BUILD / "html" / "notebooks").glob("*.html")}
            have_slides = {p.name.removesuffix(".slides.html") for p in (BUILD / "slides").glob("*.slides.html")}
            if not (expected <= have_html and expected <= have_slides):
                subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py")], check=True, cwd=ROOT)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return BUILD


# ------------------------------------------------------------------------------ notebook timings
_nb_seconds = collections.defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _nb_seconds[path] += report.duration


def _write_notebook_times(terminalreporter):
    if not _nb_seconds:
        return
    terminalreporter.section("notebook execution time (nbval)")
    for path, seconds in sorted(_nb_seconds.items()):
        flag = "  OVER BUDGET" if seconds > NOTEBOOK_BUDGET_S else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}{flag}")


# ------------------------------------------------------------------------------ strict: no skips
def strict_no_skip():
    return os.environ.get("STRICT_NO_SKIP", "") not in ("", "0")


def skipped_reports(terminalreporter):
    return [r for r in terminalreporter.stats.get("skipped", []) if not hasattr(r, "wasxfail")]


def skip_reason(report):
    """The message a skipped test or module gave (pytest keeps it as (file, line, message))."""
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def pytest_sessionfinish(session):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if strict_no_skip() and reporter is not None and skipped_reports(reporter):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    skips = skipped_reports(terminalreporter)
    if strict_no_skip() and skips:
        terminalreporter.section("STRICT_NO_SKIP: skipped tests fail this run", red=True)
        for report in skips:
            terminalreporter.write_line(f"{report.nodeid}: {skip_reason(report)}", red=True)
        terminalreporter.write_line(f"{len(skips)} skipped: install what each line names, "
                                    "or run without STRICT_NO_SKIP=1 to allow skips locally", red=True)
    _write_notebook_times(terminalreporter)
