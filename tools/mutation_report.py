"""Write tests/mutation_survivors.md and the score table of tests/README.md from mutmut's results.

Run from the repository root after ``make mutation`` (or a partial ``mutmut run NAME...``): it reads
the verdicts mutmut stored under ``mutants/`` (one ``.meta`` file per mutated module), takes each
surviving mutant's diff, and sorts the survivors into the groups of ``RULES`` and ``BY_NAME`` below. A survivor
that matches no rule is listed as "not shown equivalent": a test is missing.

    .venv/bin/python tools/mutation_report.py [--check]

``--check`` writes nothing and exits 1 if the two files differ from what the results give.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVIVORS = ROOT / "tests" / "mutation_survivors.md"
README = ROOT / "tests" / "README.md"
TABLE_START = "<!-- mutation-table:start -->"
TABLE_END = "<!-- mutation-table:end -->"

# mutmut's exit codes (mutmut/stats.py): what counts as killed, survived, or not checked.
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}      # a failing test, a timeout, the type check
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0, 5, 33}                           # every test passed, or no test runs the code
NOT_CHECKED = {None, 2}

EQUIV = "Equivalent (no observable difference)"
SAME_LAW = "Other random numbers from the same distribution"
CONFIG = "A default or value that the result does not depend on"
MISSING = "Not shown equivalent (a test is missing)"

#: Rules for survivors: (group, mutant-name pattern, regular expression searched in
#: "ORIGINAL LINE => MUTATED LINE", reason). The first rule that matches wins.
RULES = [
    (EQUIV, "*", r"np\.log\(np\.where\(p > 0, p, 2\.0\)\)", "0 * log(2) = 0: the placeholder never contributes"),
    (EQUIV, "*", r"reshape\(-2\b", "numpy treats reshape(-2) like reshape(-1)"),
    (EQUIV, "*", r"copy=(None|True)\)|astype\([\w.]+, \)",
     "whether astype copies is not observable: the result is a new array or is assigned into one"),
    (EQUIV, "*", r'not in "XX\w+XX"', "no numpy dtype kind is 'X': the set of accepted kinds is unchanged"),
    (EQUIV, "*", r"take_along_axis\([^)]*\], \)", "take_along_axis's default axis is -1 (numpy >= 2.3)"),
    (EQUIV, "*", r"np\.concatenate\(.*\], \)$", "np.concatenate's default axis is 0"),
    (EQUIV, "*", r"rng\.integers\((\w+), size=", "same draws: rng.integers(k) is rng.integers(0, k)"),
    (EQUIV, "*", r"rng\.uniform\(-1\.0, size=", "same draws: uniform's default high is 1.0"),
    (EQUIV, "*", r'encoding=("UTF-8"|None)', "the file is ASCII: every encoding reads it the same"),
    (EQUIV, "*", r"q = q / np\.sign", "dividing by a sign (±1) is multiplying by it"),
    (EQUIV, "*", r"allow_pickle=(None|False|True)\)|np\.load\(os\.fspath\(path\), \)|write_array\(member, arr, \)",
     "only numeric arrays are saved (checked before writing), so pickling never happens either way; "
     "np.load's default is allow_pickle=False"),
    (EQUIV, "*", r"ZipFile\(path, mode=\"w\", (allowZip64=True|compression=zipfile\.ZIP_STORED, )\)",
     "ZIP_STORED and allowZip64=True are zipfile's defaults"),
    (EQUIV, "*", r"force_zip64=(None|False)\)|mode=\"w\", \) as member",
     "zip64 headers matter only for a member over 2 GiB; np.load reads both forms"),
    (EQUIV, "*", r"norm=None\)|clip, \)$", "clip_grad_norm computes the same norm itself when it is not given"),
    (EQUIV, "*", r"astype\(np\.float64\).* => .*astype\(None\)", "astype(None) is astype(float64)"),
    (EQUIV, "*", r"dtype=np\.float64\).* => .*(dtype=None\)|\], \))$",
     "a list of Python floats becomes a float64 array anyway"),
    (EQUIV, "*", r"=> .*describe\(\('\w+',( '\w+')?\)\)",
     "describe(('N',)) formats the same text as describe((None,), ('N',)): the message is unchanged"),
    (EQUIV, "*", r"float\(\"(NAN|INF)\"\)", "float() reads 'NAN' and 'INF' like 'nan' and 'inf'"),
    (EQUIV, "*encode*", r"dtype=np\.int64\) => .*(dtype=None|text\], )\)$", "a list of Python ints becomes an int64 array anyway"),
    (EQUIV, "*", r"minlength=vocab_size or 1\)",
     "minlength 1 instead of 0 differs only for an empty text, whose entropy is 0 either way"),
    (EQUIV, "*", r"eval_every or max\(2, int\(steps\)\)",
     "eval_every 2 instead of 1 differs only for steps = 1, where the last update is evaluated anyway"),
    (EQUIV, "*", r"=> if self\.dropout == 1\.0:",
     "with dropout 0 the general branch keeps every unit (u >= 0 always) and divides by 1"),
    (EQUIV, "*", r"=> if self\.momentum == 1\.0:",
     "with momentum 0 the general branch (v = g at the first step, then 0 v + g) gives the same update"),
    (EQUIV, "*", r"rnn\.backward\(dh, \)", "the layer's backward takes dstate=None by default"),
    (EQUIV, "*hidden_grad_norms*", r"dc_T = np\.zeros_like\(h0\) if .* => |dc_T, cache\) => .*None, cache\)",
     "the cells treat a missing dc as zeros, and a cell without a cell state never reads it"),
    (EQUIV, "*hidden_grad_norms*", r"has_cell else None => .*or True",
     "a cell without a cell state never reads c0"),
    (EQUIV, "*hidden_grad_norms*", r"np\.zeros_like\(None\)", "np.zeros_like(None) is an object 0, which adds as 0"),
    (EQUIV, "*_layer0*", r"key\.startswith\(prefix\) or key\.endswith",
     "a model's parameters ending in _l0 are exactly the rnn. ones of layer 0 (the head and embedding "
     "names never end in _l0), so 'or' selects the same keys"),
    (EQUIV, "*_metric*", r"reshape\(None\)", "the adding task's outputs are (n, 1) like y already; reshape(None) keeps that"),
    (EQUIV, "*_metric*", r"axis=\+1\)", "the outputs are (n, classes): axis 1 is the last axis"),
    (EQUIV, "*_metric*", r"raise ValueError\(f\"metric must be",
     "unreachable from the public functions: every task's metric is 'mse' or 'error'"),
    (EQUIV, "*run_to_threshold*", r"if evals\.size else float\(\"nan\"\).* => .*(or True|float\(None\)|XXnanXX|\"NAN\")",
     "evals is never empty: train evaluates after the last update, and steps >= 1"),
    (EQUIV, "*run_to_threshold*", r"np\.asarray\(hist\[\"\w+\"\], dtype=np\.\w+\).* => .*np\.asarray\(hist\[\"\w+\"\], (dtype=None)?\)",
     "train returns these arrays with this dtype already"),
    (EQUIV, "*run_to_threshold*", r"np\.issubdtype\(a\.dtype, None\)",
     "None is read as float64, and the task arrays are float64 or int64: the same arrays are cast"),
    (EQUIV, "*make_model*", r"head=\"last\", loss=loss.* => .*output_size, loss=loss",
     "SequenceModel's default head is 'last'"),
    (EQUIV, "*clip_grad_norm*", r"total > max_norm: => .*total >= max_norm:",
     "at total = max_norm the scale is 1: the clipped copy equals the unclipped one"),
    (EQUIV, "*clip_grad_norm*", r"\(g\.dtype in FLOAT_DTYPES\) and False",
     "g * r with a Python float r is computed in g's float dtype anyway (NEP 50), so both branches agree "
     "for float gradients; integer gradients took the second branch already"),
    (EQUIV, "*x_grad_norm__*", r"invalid=\"ignore\"\): => .*(invalid=None|over=\"ignore\", \))",
     "a dot product of an array with itself makes no invalid operation (inf * inf is inf, NaN propagates silently)"),
    (EQUIV, "*softmax_cross_entropy*", r"targets\[bad\]\.reshape\(None\)", "targets[bad] is 1-D already: reshape(None) keeps it"),
    (EQUIV, "*softmax_cross_entropy*", r"_weights\(mask, targets\.shape, None\)", "astype(None) is astype(float64)"),
    (MISSING, "*softmax_cross_entropy*", r"\(w / total\)\.astype\(None\)",
     "the float32 gradient is scaled by float64 weights instead of float32 ones: at most the last bit of a "
     "float32 value changes; no test pins float32 rounding"),
    (EQUIV, "*_sub_seed*", r"generate_state\(2\)\[0\]", "the first word of a SeedSequence's state does not depend on how many are asked for"),
    (EQUIV, "*SequenceModelǁforward*", r"if \(D == 2\) or True", "for D = 1 the concatenation of the one block h_n[-1] is h_n[-1]"),
    (EQUIV, "*SequenceModelǁforward*", r"axis=\+1\) if D == 2", "h_n[k] is (B, H): axis 1 is the last axis"),
    (MISSING, "*SequenceModelǁ__init__*", r"Embedding\(self\.vocab_size, input_size, seed=_sub_seed\(seed, 2\)",
     "the embedding would share the head's derived seed (a normal and a uniform draw from one stream); "
     "no test checks that the parts' seeds differ"),
    (SAME_LAW, "*SequenceModelǁ__init__*", r"Linear\(D \* hidden_size, output_size, seed=_sub_seed\(seed, 3\)",
     "another derived seed for the head, shared with no other part"),
    (EQUIV, "*x_train__*", r"np\.array\((hist_loss|hist_norm|eval_val), (dtype=None)?\)",
     "a list of Python floats, or an empty list, becomes a float64 array anyway"),
    (EQUIV, "*x_train__*", r"norm > clip: => .*norm >= clip:",
     "at norm = clip the clipping scale is 1: the same update"),
    (EQUIV, "*x_train__*", r"refresh=None\)", "refresh=None is as false as refresh=False"),
    (EQUIV, "*progress_enabled*", r"\"XX1XX\"", "the unset default is any value outside the off-list: the bar is on either way"),
    (EQUIV, "*", r"rng\.uniform\(0\.0, size=", "same draws: uniform's default high is 1.0"),
    (EQUIV, "*adding_problem*", r"T // 2.* => .*T / 2",
     "rng.integers truncates a float bound, so T / 2 draws exactly like T // 2"),
    (EQUIV, "*x_sample__*", r"side=\"right\"\)\) => .*cdf\[-1\], \)\)",
     "side matters only when u * cdf[-1] equals a cumulative probability exactly: probability 0"),
    (EQUIV, "*x_sample__*", r"rng\.random\(\) / cdf\[-1\]",
     "cdf[-1] is 1 up to rounding (~1e-16): the sampled id changes only with probability ~1e-16"),
    (EQUIV, "*x_sample__*", r"min\(k, len\(cdf\) \+ 1\)", "the guard never binds: u < 1, so k < len(cdf) anyway"),
    (EQUIV, "*x_sample__*", r"np\.array\(\[\[k\]\], (dtype=None)?\)", "an array of a Python int is int64 anyway"),
    (EQUIV, "*temperature_probs*", r"float\(temperature\), \)", "softmax's default axis is -1"),
    (EQUIV, "*_dropout_mask*", r">= self\.dropout => .*> self\.dropout",
     "u == p exactly has probability 0 for continuous uniforms"),
    (SAME_LAW, "*CharLSTMǁ__init__*", r"default_rng\(seed \+ 4\)",
     "another seed for the dropout stream, shared with no other part of the model"),
    (MISSING, "*CharLSTMǁ__init__*", r"Linear\(hidden_size, vocab_size, seed=seed \+ 3",
     "another seed for the head; it is then the dropout stream's seed, so the head's initial weights are an "
     "affine map of the first dropout draws (no test checks the dropout stream against the weights)"),
    (CONFIG, "*CharLSTMǁ__init__*", r"num_layers=1, seed=0, => .*seed=1,",
     "the default seed: every caller that needs a given model passes its seed (the shipped model's card does)"),
    (CONFIG, "*line_format_rate*", r"temperature=0\.8, .* => .*temperature=1\.8",
     "a default of the signature; the shipped model's card is checked with its own temperature passed explicitly"),
    (CONFIG, "*line_format_rate*", r"max_chars=70\):? => .*max_chars=71\)",
     "a default of the signature: one more character per sample leaves the card's format rate (checked in "
     "test_tang_model.py with this default) unchanged"),
    (CONFIG, "*evaluate_char_lm*", r"bptt=257\)",
     "the chunk length does not change the result: the state is carried, so any bptt gives the loss of "
     "one pass (tested)"),
    (CONFIG, "*load_tang_lstm*", r"num_layers=config\[\"num_layers\"\], dtype=dtype\) => dtype=dtype\)",
     "the shipped config has num_layers = 1, the default"),
    (CONFIG, "*load_tang_lstm*", r"=> vocab = tang_char_data\(form=config",
     "the shipped config has val_every = 10, the default"),
    (CONFIG, "*load_tang_lstm*", r"=> vocab = tang_char_data\(every=config\[\"val_every\"\], \)",
     "the shipped config has form = 'five', the default"),
]

#: Survivors judged one by one, with the reason (short mutant names, without "lstm_ref.").
BY_NAME = {
    "training.io.x_copy_params_into__mutmut_22": (
        EQUIV, "p[...] = a casts a to p's dtype on assignment anyway"),
    "course.tasks.x__one_hot__mutmut_3": (EQUIV, "float64 is numpy's default dtype of np.zeros"),
    "course.tasks.x__one_hot__mutmut_5": (EQUIV, "float64 is numpy's default dtype of np.zeros"),
    "course.tasks.x_future_tagging__mutmut_33": (EQUIV, "np.full with a Python int is int64 anyway"),
    "course.tasks.x_future_tagging__mutmut_36": (EQUIV, "np.full with a Python int is int64 anyway"),
    "course.tasks.x_continual_stream__mutmut_131": (EQUIV, "astype(None) is astype(float64)"),
    "course.tasks.x_continual_stream__mutmut_64": (EQUIV, "np.concatenate's default axis is 0"),
    "course.tasks.x_continual_stream__mutmut_69": (
        EQUIV, "a second start at position 0 marks the same first step; the keys are indexed by the starts"),
    "course.tasks.x_continual_stream__mutmut_111": (
        EQUIV, "every stream starts with a segment, so the running sum is reset at t = 0 before it is used"),
    "course.tasks.x_continual_stream__mutmut_124": (
        EQUIV, "a running sum of continuous uniforms equals 0 with probability 0"),
    "course.tasks.x_continual_stream__mutmut_50": (
        SAME_LAW, "draws more segment lengths than are used: later draws shift, their distribution does not"),
    "course.tasks.x_continual_stream__mutmut_149": (
        SAME_LAW, "segment j reads key row j - 1 (row -1 for the first): still distinct i.i.d. rows per segment"),
}
for _n in (41, 50, 51, 59, 60, 65, 66):
    BY_NAME[f"course.tasks.x_temporal_order__mutmut_{_n}"] = (
        EQUIV, "the clipping never binds for an allowed T >= 8: the bounds are round(0.1 T)..round(0.2 T) and "
               "round(0.5 T)..round(0.6 T) with or without it (checked for T = 8..20000; the ranges are tested)")


def mutmut_diff(name, path):
    """(original line, mutated line) of one mutant, from mutmut's own diff."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    try:
        diff = get_diff_for_mutant(name, path=path).splitlines()
    except FileNotFoundError:                   # the module changed since mutmut last generated it
        return "(source changed since the run)", "(source changed since the run)"
    minus = [ln[1:].strip() for ln in diff if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln[1:].strip() for ln in diff if ln.startswith("+") and not ln.startswith("+++")]
    return " ".join(minus), " ".join(plus)


def classify(name, orig, mutated):
    short = name.removeprefix("lstm_ref.")
    if short in BY_NAME:
        return BY_NAME[short]
    for group, pattern, regex, reason in RULES:
        if fnmatch.fnmatchcase(short, pattern) and re.search(regex, f"{orig} => {mutated}"):
            return group, reason
    return MISSING, "not shown equivalent: a missing test"


def load_results():
    """{module: {mutant: exit code}} for every mutated module, from mutants/**/*.meta."""
    out = {}
    for meta in sorted((ROOT / "mutants" / "lstm_ref").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            src = meta.relative_to(ROOT / "mutants").with_suffix("")
            out[str(src)] = codes
    return out


def module_label(path):
    return path.removeprefix("lstm_ref/").removesuffix(".py")


def build(results):
    rows, survivors = [], []
    totals = Counter()
    for path, codes in results.items():
        c = Counter()
        for name, code in codes.items():
            if code in KILLED:
                c["killed"] += 1
                c["timeout"] += code in TIMEOUT
            elif code in SURVIVED:
                c["survived"] += 1
                orig, mutated = mutmut_diff(name, path)
                group, reason = classify(name, orig, mutated)
                survivors.append((group, name, orig, mutated, reason))
            elif code in NOT_CHECKED:
                c["not checked"] += 1
            else:
                c["suspicious"] += 1
        rows.append((module_label(path), c))
        totals.update(c)
    return rows, totals, survivors


def table(rows, totals, survivors):
    by_module = Counter((name.split(".x")[0].replace(".", "/"), group) for group, name, *_ in survivors)
    lines = ["| module | killed | of which timeouts | survived | of which explained | not checked | score |",
             "|---|---:|---:|---:|---:|---:|---:|"]

    def score(c):
        checked = c["killed"] + c["survived"]
        return f"{100 * c['killed'] / checked:.1f} %" if checked else "–"

    for label, c in rows:
        equiv = sum(n for (mod, g), n in by_module.items()
                    if mod == f"lstm_ref/{label}" and g != MISSING)
        lines.append(f"| {label} | {c['killed']} | {c['timeout']} | {c['survived']} | {equiv} | {c['not checked']} "
                     f"| {score(c)} |")
    equiv = sum(1 for g, *_ in survivors if g != MISSING)
    lines.append(f"| **all** | **{totals['killed']}** | **{totals['timeout']}** | **{totals['survived']}** | **{equiv}** | "
                 f"**{totals['not checked']}** | **{score(totals)}** |")
    checked = totals["killed"] + totals["survived"]
    groups = Counter(g for g, *_ in survivors)
    lines += ["", f"Killed: {totals['killed']} of the {checked} checked mutants ({score(totals)}; a timeout "
                  f"counts as killed); {totals['not checked']} not checked. Of the {totals['survived']} survivors, "
                  + ", ".join(f"{groups[g]} {g[0].lower() + g[1:]}" for g in (EQUIV, SAME_LAW, CONFIG, MISSING))
                  + f". Killed, or surviving for a reason given in mutation_survivors.md: {totals['killed'] + equiv} of {checked} "
                  f"({100 * (totals['killed'] + equiv) / checked:.1f} %)." if checked else ""]
    return "\n".join(lines)


def survivors_md(survivors):
    order = [MISSING, EQUIV, SAME_LAW, CONFIG]
    out = ["# Surviving mutants", "",
           "Generated by `tools/mutation_report.py` from the results of `make mutation` (tests/README.md has",
           "the score and what was not checked). Each row: the mutant (`.venv/bin/mutmut show NAME` prints its",
           "diff), the line it changes, the change, and why it survives.", ""]
    for group in order:
        rows = sorted((s for s in survivors if s[0] == group), key=lambda s: s[1])
        if not rows:
            continue
        out += [f"## {group} ({len(rows)})", "", "| mutant | original | mutated | reason |", "|---|---|---|---|"]
        for _, name, orig, mutated, reason in rows:
            cell = lambda s: "`" + s.replace("|", "\\|").replace("`", "'")[:110] + "`"
            out.append(f"| `{name.removeprefix('lstm_ref.')}` | {cell(orig)} | {cell(mutated)} | {reason} |")
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--list", action="store_true", help="print the survivors instead of writing")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import os
    os.chdir(ROOT)
    rows, totals, survivors = build(load_results())
    if args.list:
        for group, name, orig, mutated, reason in sorted(survivors):
            print(f"{group[:12]} | {name} | {orig[:150]} || {mutated[:150]}")
        print(table(rows, totals, survivors))
        return 0
    readme = README.read_text(encoding="utf-8")
    a, b = readme.index(TABLE_START) + len(TABLE_START), readme.index(TABLE_END)
    new_readme = readme[:a] + "\n" + table(rows, totals, survivors) + "\n" + readme[b:]
    new_survivors = survivors_md(survivors)
    if args.check:
        ok = new_readme == readme and new_survivors == SURVIVORS.read_text(encoding="utf-8")
        print("up to date" if ok else "tests/README.md or tests/mutation_survivors.md differ from the results")
        return 0 if ok else 1
    README.write_text(new_readme, encoding="utf-8")
    SURVIVORS.write_text(new_survivors, encoding="utf-8")
    print(table(rows, totals, survivors))
    print(Counter(g for g, *_ in survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
