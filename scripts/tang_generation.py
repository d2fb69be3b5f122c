"""Measure chapter 08's decoding modes on 100 poems each (seeds 0..99) with the shipped model.

Usage::

    python scripts/tang_generation.py       # writes lstm_ref/data/tang_generation.json (a few minutes)

For every mode: the poems, the share that keep the 5x4 form (for the free modes: any regulated
form), novelty (share of verses found verbatim in the training poems), the share of verses with a
repeated character, and the nats per character of the generated text under the LSTM and under the
selected Kneser-Ney n-gram (``tang_baselines.json``). Beam search (width 8) writes one poem per
starting character: the 20 most frequent first characters of the training poems. Chapter 08
re-generates a few of these poems live and checks they are the same.
"""
import collections
import json
import pathlib
import sys

import numpy as np

import lstm_ref as lr

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_ref" / "data" / "tang_generation.json"
SEEDS = list(range(100))
THEME = "秋"
ACROSTIC = "春江花月"
MODES = {
    "free, τ = 1.0": dict(constrained=False, temperature=1.0),
    "free, τ = 0.8": dict(constrained=False, temperature=0.8),
    "form, τ = 0.8": dict(temperature=0.8),
    "form, top-10": dict(temperature=1.0, top_k=10),
    "form + tones + rhyme, τ = 0.8": dict(temperature=0.8, tones=True, rhyme=True),
    f"acrostic {ACROSTIC}, τ = 0.8": dict(temperature=0.8, acrostic=ACROSTIC),
    f"theme {THEME}, τ = 0.8": dict(temperature=0.8, theme=THEME),
}


def any_form(poem):
    return any(lr.is_valid_poem(poem, f) for f in lr.FORMS)


def measures(poems, model, vocab, kn, discount, train, form="5x4"):
    seqs = [vocab.encode("\n" + p.replace("\n", "") + "\n") for p in poems]
    as_poems = [{"lines": [p.replace("\n", "")]} for p in poems]
    nll, n = lr.poem_nll(model, vocab, as_poems)
    nll_kn, _ = kn.poem_nll(seqs, discount)
    return {"valid": float(np.mean([lr.is_valid_poem(p, form) for p in poems])),
            "valid_any_form": float(np.mean([any_form(p) for p in poems])),
            "novelty": lr.novelty(poems, train), "repeat_rate": lr.repeat_rate(poems),
            "lstm_nats": float(nll.sum() / n.sum()), "kn_nats": float(nll_kn.sum() / n.sum())}


def main():
    train = lr.load_tang_corpus("train")
    model, vocab = lr.load_pretrained("tang")
    base = json.loads((ROOT / "lstm_ref" / "data" / "tang_baselines.json").read_text())
    sel = base["selected"]
    kn = lr.KneserNeyLM(sel["order"], len(vocab)).fit(
        [vocab.encode("\n" + "".join(p["lines"]) + "\n") for p in train])
    out = {"package_version": lr.__version__, "seeds": SEEDS, "modes": {}}
    for name, kw in MODES.items():
        poems = lr.generate_poems(model, vocab, SEEDS, form="5x4", **kw)
        m = measures(poems, model, vocab, kn, sel["discount"], train)
        if kw.get("tones"):
            m["tones_ok"] = float(np.mean([lr.follows_tones(p, "5x4", vocab) for p in poems]))
            m["rhyme_ok"] = float(np.mean([lr.rhymes(p, vocab) for p in poems]))
        out["modes"][name] = {"kwargs": kw, "measures": m, "poems": poems}
        print(name, m, flush=True)
    firsts = collections.Counter(p["lines"][0][0] for p in train)
    starts = [c for c, _ in sorted(firsts.items(), key=lambda t: (-t[1], t[0]))[:20]]
    beams = [lr.beam_search_poem(model, vocab, form="5x4", width=8, theme=c) for c in starts]
    out["beam"] = {"width": 8, "starts": starts, "poems": beams,
                   "measures": measures(beams, model, vocab, kn, sel["discount"], train)}
    print("beam", out["beam"]["measures"])
    quatrains = [p for p in lr.load_tang_corpus("test") if len(p["lines"]) == 4 and len(p["lines"][0]) == 6]
    ref = ["\n".join(p["lines"]) for p in quatrains]
    out["test_5x4"] = {"poems": len(ref), "measures": measures(ref, model, vocab, kn, sel["discount"], train)}
    print("test 5x4", out["test_5x4"])
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
