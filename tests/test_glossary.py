"""The course glossary (lstm_ref/data/glossary.csv) that chapter 00 renders is well formed."""
import csv
import importlib.resources
import re

import pytest

COLUMNS = ["english", "chinese", "symbol", "chapter", "note"]


@pytest.fixture(scope="module")
def rows():
    text = (importlib.resources.files("lstm_ref") / "data" / "glossary.csv").read_text(encoding="utf-8")
    reader = csv.reader(text.splitlines())
    header = next(reader)
    assert header == COLUMNS
    return [(k + 2, r) for k, r in enumerate(reader) if r]


def test_every_row_has_five_fields(rows):
    bad = [(line, r) for line, r in rows if len(r) != len(COLUMNS)]
    assert not bad, f"rows with a field count other than 5 (quote fields containing commas): {bad[:5]}"


def test_terms_have_english_chinese_and_a_chapter(rows):
    for line, r in rows:
        english, chinese, _, chapter, _ = r
        assert english.strip(), f"line {line}: empty English term"
        assert re.search(r"[\u4e00-\u9fff]", chinese), f"line {line}: {english!r} has no Chinese name"
        assert re.fullmatch(r"\d\d", chapter.strip()), f"line {line}: chapter {chapter!r} is not NN"


def test_dedup_merges_repeated_terms_of_a_chapter():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "tools" / "dedup_glossary.py"
    spec = importlib.util.spec_from_file_location("dedup_glossary", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = [{"english": "BPTT", "chinese": "随时间反向传播", "symbol": "", "chapter": "01", "note": "post 001"},
            {"english": "forget gate", "chinese": "遗忘门", "symbol": "f_t", "chapter": "03", "note": ""},
            {"english": "bptt", "chinese": "", "symbol": "δ", "chapter": "01", "note": "truncated"},
            {"english": "BPTT", "chinese": "随时间反向传播", "symbol": "", "chapter": "04", "note": ""}]
    out = mod.dedup(rows)
    assert [(r["english"], r["chapter"]) for r in out] == [("BPTT", "01"), ("forget gate", "03"), ("BPTT", "04")]
    assert out[0]["symbol"] == "δ" and out[0]["note"] == "post 001; truncated" and out[0]["chinese"]


def test_the_file_has_no_duplicate_rows():
    """One row per (English term, chapter): run tools/dedup_glossary.py after appending."""
    text = (importlib.resources.files("lstm_ref") / "data" / "glossary.csv").read_text(encoding="utf-8")
    keys = [(r["english"].strip().lower(), r["chapter"].strip()) for r in csv.DictReader(text.splitlines())]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    assert not dup, f"repeated terms (run tools/dedup_glossary.py): {dup}"
