"""Shared test set-up.

- ``built``: the offline book and slides under _build/ (built once if missing, under a file lock so
  pytest-xdist workers never build concurrently; `make test` builds them before pytest starts).
- A closing table of how long each notebook took under nbval, against the 60 s budget per chapter.
"""
import collections
import fcntl
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
NOTEBOOK_BUDGET_S = 60.0


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


def pytest_terminal_summary(terminalreporter):
    if not _nb_seconds:
        return
    terminalreporter.section("notebook execution time (nbval)")
    for path, seconds in sorted(_nb_seconds.items()):
        flag = "  OVER BUDGET" if seconds > NOTEBOOK_BUDGET_S else ""
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}{flag}")
