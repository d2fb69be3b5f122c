"""Structural checks of every chapter notebook (docs/chapter_convention.md).

nbval proves that the stored outputs are what a fresh kernel produces; these tests prove that the
stored notebook is a clean, in-order execution that follows the chapter convention.
"""
import getpass
import json
import re

import pytest

from conftest import ROOT, chapter_notebooks

NOTEBOOKS = chapter_notebooks()
IDS = [p.name for p in NOTEBOOKS]
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
MAX_TEXT_CHARS = 20_000          # one text output (stream, text/plain, text/html, text/latex)
MAX_OUTPUT_BYTES = 400_000       # all outputs of one cell, as stored (a PNG figure is ~30-150 kB)
HIDDEN_SOLUTION = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"]}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def text_of(output):
    if "text" in output:
        yield "".join(output["text"])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime == "application/json":
            yield value if isinstance(value, str) else "".join(value) if isinstance(value, list) else json.dumps(value)


def printed(cell):
    """Everything a code cell printed (its stream outputs)."""
    return "".join("".join(o["text"]) for o in cell.get("outputs", []) if o["output_type"] == "stream")


def headings(nb, level="## "):
    return [line for c in nb["cells"] if c["cell_type"] == "markdown"
            for line in source(c).splitlines() if line.startswith(level)]


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks/NN_slug.ipynb found"
    assert NOTEBOOKS[0].name.startswith("00_"), "chapter 00 (how to use the book) is missing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["nbformat"] == 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order_from_a_fresh_kernel(path):
    counts = [c.get("execution_count") for c in load(path)["cells"] if c["cell_type"] == "code"]
    assert counts, "no code cells"
    assert counts == list(range(1, len(counts) + 1)), (
        f"execution counts {counts}: re-execute with `make execute NB={path.relative_to(ROOT)}` "
        "(empty code cells are not executed: delete them)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_and_no_volatile_metadata(path):
    nb = load(path)
    for i, cell in enumerate(nb["cells"]):
        assert "execution" not in cell["metadata"], f"cell {i}: timing metadata (use tools/execute_notebooks.py)"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"cell {i} raised {out.get('ename')}: {out.get('evalue')}"
            if out["output_type"] == "stream":      # warnings too: a reader sees a red box, not the lesson
                assert out["name"] != "stderr", f"cell {i}: output on stderr: {''.join(out['text'])[:200]!r}"
    assert "widgets" not in nb["metadata"]


PRIVATE = [re.compile(p) for p in (
    r"/home/\w", r"/root\b", r"/Users/\w", r"[A-Za-z]:\\\\Users", r"/tmp/", r"/work/", r"site-packages",
    r"/usr/(local/)?lib/python", r"\.venv/", r"0x[0-9a-fA-F]{8,}", r"\bat 0x")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_hold_no_paths_user_names_or_reprs(path):
    user = getpass.getuser()
    for i, cell in enumerate(load(path)["cells"]):
        for out in cell.get("outputs", []):
            for text in text_of(out):
                for pattern in PRIVATE:
                    assert not pattern.search(text), f"cell {i}: output contains {pattern.pattern!r}"
                if len(user) >= 4 and user not in {"root", "user", "jovyan"}:
                    assert user not in text, f"cell {i}: output contains the user name"
                assert not re.search(r"^\[?<matplotlib\.[\w.]+ (object )?at", text, re.M), (
                    f"cell {i}: a matplotlib repr in the output: end the cell with plt.show()")
                assert not re.search(r"^(Text|Line2D)\(", text, re.M), f"cell {i}: an artist repr: plt.show()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_output_is_oversized(path):
    for i, cell in enumerate(load(path)["cells"]):
        outputs = cell.get("outputs", [])
        size = len(json.dumps(outputs))
        assert size <= MAX_OUTPUT_BYTES, f"cell {i}: outputs take {size} bytes (limit {MAX_OUTPUT_BYTES})"
        for out in outputs:
            for text in text_of(out):
                assert len(text) <= MAX_TEXT_CHARS, f"cell {i}: a text output of {len(text)} characters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_and_learning_objectives(path):
    cells = load(path)["cells"]
    number = path.name[:2]
    assert cells[0]["cell_type"] == "markdown"
    title = source(cells[0]).splitlines()[0]
    assert re.fullmatch(rf"# {number} · \S.*", title), f"first line {title!r} is not '# {number} · Title'"
    assert len(source(cells[0]).strip().splitlines()) > 1, "the title cell needs a motivation paragraph"
    assert cells[1]["cell_type"] == "markdown" and source(cells[1]).startswith("## Learning objectives"), (
        "the second cell must start with '## Learning objectives'")
    assert re.search(r"^\s*[-*] ", source(cells[1]), re.M), "learning objectives are a bullet list"
    assert cells[1]["metadata"].get("slideshow", {}).get("slide_type") == "subslide", (
        "the learning objectives are their own (sub)slide")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_cell_has_slide_metadata(path):
    cells = load(path)["cells"]
    for i, cell in enumerate(cells):
        kind = cell["metadata"].get("slideshow", {}).get("slide_type")
        assert kind in SLIDE_TYPES, f"cell {i}: slideshow.slide_type is {kind!r}"
    assert cells[0]["metadata"]["slideshow"]["slide_type"] == "slide"
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and re.match(r"## \d+\. ", source(cell)):
            assert cell["metadata"]["slideshow"]["slide_type"] == "slide", f"cell {i}: a section starts a slide"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_cell_and_seeding(path):
    cells = load(path)["cells"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert "import lstm_ref as lr" in source(first_code), "the set-up cell imports lstm_ref as lr"
    assert re.search(r"np\.set_printoptions\(precision=6,\s*suppress=True\)", source(first_code)), (
        "the set-up cell sets np.set_printoptions(precision=6, suppress=True)")
    assert first_code["metadata"]["slideshow"]["slide_type"] == "skip", "the set-up cell is not a slide"
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert not re.search(r"np\.random\.(seed|rand|randn|randint|normal|uniform|choice|shuffle)\(",
                                 source(cell)), f"cell {i}: global NumPy RNG; use np.random.default_rng(seed)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_closing_sections(path):
    """Exercises, Summary, Terms (a zh/en table) and In the sources, in this order; Solutions hidden."""
    nb = load(path)
    h2 = [h.strip() for h in headings(nb)]
    order = ["## Exercises", "## Summary", "## Terms", "## In the sources"]
    found = [next((k for k, h in enumerate(h2) if h.startswith(name)), None) for name in order]
    missing = [name for name, k in zip(order, found) if k is None]
    assert not missing, f"missing sections: {missing}"
    assert found == sorted(found), f"sections out of order: {h2}"
    terms = next(source(c) for c in nb["cells"] if source(c).startswith("## Terms"))
    assert re.search(r"\|\s*English\s*\|\s*中文\s*\|", terms), "## Terms holds a table | English | 中文 | symbol |"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_are_hidden_and_checked(path):
    cells = load(path)["cells"]
    start = next((i for i, c in enumerate(cells) if source(c).startswith("## Solutions")), None)
    assert start is not None, "no ## Solutions section (the reference solutions, run through the checks)"
    end = next((i for i in range(start + 1, len(cells))
                if cells[i]["cell_type"] == "markdown" and re.match(r"#{1,2} ", source(cells[i]))), len(cells))
    code = [c for c in cells[start:end] if c["cell_type"] == "code"]
    assert code, "## Solutions has no code"
    for cell in code:
        meta = cell["metadata"]
        assert meta.get("jupyter", {}).get("source_hidden") is True, "solution cells are collapsed"
        assert "hide-input" in meta.get("tags", []), "solution cells carry the hide-input tag"
        assert meta["slideshow"]["slide_type"] == "skip", "solutions are not shown on the slides"
    checks = sum("self_check" in source(c) for c in code)
    ex = next(i for i, c in enumerate(cells) if source(c).startswith("## Exercises"))
    ex_end = next((i for i in range(ex + 1, len(cells))
                   if cells[i]["cell_type"] == "markdown" and re.match(r"#{1,2} ", source(cells[i]))), len(cells))
    exercise_checks = [c for c in cells[ex:ex_end] if c["cell_type"] == "code" and "self_check" in source(c)]
    exercises = len(exercise_checks)
    assert checks >= exercises > 0, f"{exercises} exercise checks but {checks} solution checks"
    # stored outputs (nbval proves they are a fresh run's): the learner's cells start unanswered, and
    # every reference solution passes its check
    for cell in exercise_checks:
        assert "not attempted yet" in printed(cell), (
            f"an exercise check printed {printed(cell)!r}: the learner's cell must return None by default")
    solved = sum(len(re.findall(r": correct\b", printed(c))) for c in code)
    assert solved >= exercises, f"{solved} solution checks printed 'correct' for {exercises} exercises"


# ------------------------------------------------------------------------------------------------
# Every claim true at its strength (docs/chapter_convention.md, "The seven rules").
MAX_CODE_LINE = 100
POST_FILE_ID = re.compile(r"\b00[0-4]_[0-9a-f]{16}\b")


def _has_claims_section(cells):
    return any(c["cell_type"] == "markdown" and source(c).startswith("## Claims") for c in cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_claims_section(path):
    """## Claims after ## In the sources; its code cell is lr.claims_table() and shows every claim."""
    cells = load(path)["cells"]
    assert _has_claims_section(cells), "no ## Claims section with lr.claims_table()"
    k = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and source(c).startswith("## Claims"))
    sources_at = next(i for i, c in enumerate(cells) if source(c).startswith("## In the sources"))
    assert k > sources_at, "## Claims comes after ## In the sources"
    assert cells[k]["metadata"]["slideshow"]["slide_type"] == "slide", "## Claims starts a slide"
    table = next(c for c in cells[k + 1:] if c["cell_type"] == "code")
    assert source(table).strip() == "lr.claims_table()", "the Claims code cell is lr.claims_table()"
    data = next((out["data"] for out in table.get("outputs", []) if "data" in out), {})
    shown = "".join(data.get("text/markdown", data.get("text/plain", "")))
    rows = [line for line in shown.splitlines() if re.match(r"\| \d+ \|", line)]
    assert rows, "the claims table is empty: back the prose with lr.claim(...)"
    claims = [c for c in cells if c["cell_type"] == "code" and "lr.claim(" in source(c)]
    made = sum(len(re.findall(r"^checked: ", printed(c), re.M)) for c in claims)
    assert made >= len(rows) > 0
    later = [c for c in cells[k + 1:] if c["cell_type"] == "code" and "lr.claim(" in source(c)]
    assert not later, "a claim after the Claims table is missing from it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_lines_fit_a_slide(path):
    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            for line in source(cell).splitlines():
                assert len(line) <= MAX_CODE_LINE, f"cell {i}: a code line of {len(line)} characters: {line[:60]}…"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_posts_cited_by_title_not_file_name(path):
    for i, cell in enumerate(load(path)["cells"]):
        assert not POST_FILE_ID.search(source(cell)), f"cell {i}: a post cited by its file name; cite its title"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercise_checks_print_no_solution(path):
    """A check cell of the exercises prints 'not attempted yet' and nothing else (no expected value)."""
    cells = load(path)["cells"]
    ex = next(i for i, c in enumerate(cells) if source(c).startswith("## Exercises"))
    for cell in cells[ex:]:
        if cell["cell_type"] == "markdown" and re.match(r"#{1,2} ", source(cell)) and cell is not cells[ex]:
            break
        if cell["cell_type"] == "code" and "self_check" in source(cell):
            lines = [line for line in printed(cell).splitlines() if line.strip()]
            assert lines and all(re.fullmatch(r"Exercise \d+: not attempted yet", line) for line in lines), (
                f"an exercise check cell printed {printed(cell)!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_exercise_has_a_wrong_answer_test(path):
    test = ROOT / "tests" / f"test_exercises_{path.name[:2]}.py"
    assert test.exists(), f"{test.name} is missing: a test that each exercise check rejects wrong answers"
    text = test.read_text(encoding="utf-8")
    cells = load(path)["cells"]
    numbers = sorted({int(n) for c in cells for n in re.findall(r'name="Exercise (\d+)"', source(c))})
    for n in numbers:
        assert re.search(rf"^\s+{n}: \[", text, re.M), f"{test.name} has no wrong answers for Exercise {n}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_claims_test_a_computed_condition(path):
    """lr.claim's condition is computed: never a literal True/False or a bare number (rule 6)."""
    import ast

    for i, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] != "code" or "lr.claim(" not in source(cell):
            continue
        for node in ast.walk(ast.parse(source(cell))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "claim" and len(node.args) >= 2):
                assert not isinstance(node.args[1], ast.Constant), (
                    f"cell {i}: lr.claim(..., {ast.unparse(node.args[1])}) checks a constant")
