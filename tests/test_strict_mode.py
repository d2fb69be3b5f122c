"""Strict mode: in CI a missing Chromium fails the run instead of turning the browser tests into skips.

Each test runs one real browser test in a child pytest whose PATH holds only this Python, so neither
a Chromium binary nor apt-get can be found: the `chromium` fixture (tests/conftest.py) has to skip.
With STRICT_NO_SKIP=1, as `.ci/run` sets it, that skip must fail the run and name what is missing;
without it, a developer's run stays green with the skip reported.
"""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

BROWSER_TEST = "tests/test_browser.py::test_book_chapter_typesets_math_offline"


def run_without_chromium(tmp_path, strict):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in ("STRICT_NO_SKIP", "PYTEST_XDIST_WORKER")}
    env.update(PATH=str(bin_dir), **({"STRICT_NO_SKIP": "1"} if strict else {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-rs", BROWSER_TEST], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_strict_mode_fails_the_run_when_chromium_is_missing(tmp_path):
    done = run_without_chromium(tmp_path, strict=True)
    out = done.stdout
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert "1 skipped" in out, out[-3000:]
    assert "STRICT_NO_SKIP: skipped tests fail this run" in out, out[-3000:]
    assert "headless Chromium not found" in out and "apt-get install chromium" in out, out[-3000:]


def test_without_strict_mode_the_same_run_skips_and_passes(tmp_path):
    done = run_without_chromium(tmp_path, strict=False)
    assert done.returncode == pytest.ExitCode.OK, done.stdout[-3000:]
    assert "1 skipped" in done.stdout and "STRICT_NO_SKIP" not in done.stdout, done.stdout[-3000:]
