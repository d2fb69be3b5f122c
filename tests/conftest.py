"""Shared test set-up.

- ``built``: the offline book and slides under _build/ (built once if missing, under a file lock so
  pytest-xdist workers never build concurrently; `make test` builds them before pytest starts).
- A closing table of how long each notebook took under nbval, against the 60 s budget per chapter.
- Strict mode (``STRICT_NO_SKIP=1``, set by `.ci/run`): a skipped test fails the run, and the closing
  summary lists what each skip said was missing. Locally a test may still skip when, say, torch or
  Chromium is absent; in CI everything a test needs is installed, or the run says why not.
"""
import collections
import fcntl
import os
import pathlib
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


def chapter_notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


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
