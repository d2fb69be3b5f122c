"""One version number everywhere a reader or a citation looks: lstm_ref.__version__, pyproject.toml,
CITATION.cff and the newest CHANGELOG entry."""
import re

import lstm_ref
from conftest import ROOT


def test_version_is_the_same_in_package_pyproject_citation_and_changelog():
    version = lstm_ref.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^\[project\][^\[]*^version = "{re.escape(version)}"$', pyproject, flags=re.M | re.S)
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^cff-version: 1\.2\.0$", citation, flags=re.M)
    assert re.search(rf"^version: {re.escape(version)}$", citation, flags=re.M), "CITATION.cff version"
    for field in ("title", "authors", "license", "message"):
        assert re.search(rf"^{field}:", citation, flags=re.M), f"CITATION.cff has no {field}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entries = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, flags=re.M)
    assert entries and entries[0] == version, f"newest CHANGELOG entry {entries[:1]}, package {version}"
