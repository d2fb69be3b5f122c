"""Every `nbval-ignore-output` cell is backed by asserts on what it computes and prints.

Strict nbval compares every stored output with a fresh run, except in cells tagged
`nbval-ignore-output` (training logs in float32, timings). The book still shows those outputs, so
each such cell must be followed by a code cell (or itself contain code after the printing) with an
`assert` or an `lr.claim(...)` that uses a name the ignored cell binds or reads: the check is about
that cell's numbers, not about something else. The policy is in docs/chapter_convention.md.

`test_ignored_cells_are_listed` prints the list (run pytest with -s or -rA to see it);
`UNBACKED_ALLOWED` is the number of ignored cells per chapter still without such a check: it may
only go down, and a chapter not named there may have none.
"""
import ast
import builtins
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TAG = "nbval-ignore-output"
# Names too common to link an ignored cell with a check: modules, builtins, the package itself.
COMMON = set(dir(builtins)) | {"np", "lr", "plt", "sp", "math", "time", "rng", "_"}

UNBACKED_ALLOWED = {
    "07_bidirectional": 1,
}


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def source(cell):
    text = "".join(cell["source"])
    # IPython magics and shell lines are not Python: blank them for the parser
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def names_in(tree):
    """Every identifier a cell binds or reads (variables, functions, attributes' roots)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out - COMMON


def checks_in(tree):
    """The assert statements and lr.claim(...) calls of a cell."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found.append(node)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "claim"
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "lr"):
            found.append(node)
    return found


WIDGET = "application/vnd.jupyter.widget-view+json"


def printed_text(cell):
    """The text a cell prints or returns (a widget's placeholder text is not printed output)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        elif "data" in out and "text/plain" in out["data"] and WIDGET not in out["data"]:
            parts.append("".join(out["data"]["text/plain"]))
    return "".join(parts)


def ignored_cells(path):
    """[(cell index, cell, the next code cell or None)] for the ignored cells of a notebook."""
    cells = code_cells(path)
    return [(i, c, cells[k + 1][1] if k + 1 < len(cells) else None)
            for k, (i, c) in enumerate(cells) if TAG in c["metadata"].get("tags", [])]


def why_unbacked(cell, following):
    """None if the cell's numbers are checked; else what is missing. Checked means: the cell itself
    holds an assert or lr.claim, or the next code cell holds one and uses a name the cell binds or
    reads (directly in the assert, or through a value it computes from it first). A cell that
    prints no digit (an interactive widget) has no number to back."""
    if not any(ch.isdigit() for ch in printed_text(cell)):
        return None
    tree = ast.parse(source(cell))
    if checks_in(tree):
        return None
    if following is None:
        return "no assert or lr.claim in the cell itself, and no code cell after it"
    after = ast.parse(source(following))
    if not checks_in(after):
        return "no assert or lr.claim in the cell itself or the next code cell"
    names = names_in(tree)
    if not names_in(after) & names:
        return f"the next code cell's asserts use none of the cell's names {sorted(names)[:8]}"
    return None


def test_the_policy_is_stated_in_the_chapter_convention():
    text = (ROOT / "docs" / "chapter_convention.md").read_text(encoding="utf-8")
    assert TAG in text and "tests/test_ignored_outputs.py" in text


def test_ignored_cells_are_listed(capsys):
    """Lists every ignored cell; one that stores no output at all has nothing to ignore."""
    rows, empty = [], []
    for nb in NOTEBOOKS:
        for i, cell, following in ignored_cells(nb):
            reason = why_unbacked(cell, following)
            lines = printed_text(cell).count("\n")
            rows.append(f"{nb.stem} cell {i}: {lines} printed lines, {'backed' if reason is None else reason}")
            if not cell.get("outputs"):
                empty.append(f"{nb.stem} cell {i}")
    with capsys.disabled():
        print(f"\n{len(rows)} cells tagged {TAG}:\n" + "\n".join(rows))
    assert not empty, f"tagged {TAG} but without any output (drop the tag): {empty}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_ignored_output_is_backed_by_asserts(nb):
    unbacked = [f"cell {i}: {why}" for i, cell, following in ignored_cells(nb)
                if (why := why_unbacked(cell, following)) is not None]
    allowed = UNBACKED_ALLOWED.get(nb.stem, 0)
    assert len(unbacked) <= allowed, (
        f"{nb.name}: {len(unbacked)} {TAG} cells without an assert on their numbers (allowed {allowed}):\n"
        + "\n".join(unbacked) + "\nadd an assert or lr.claim cell after each, or print stable digits and drop the tag")


def test_the_checker_tells_backed_from_unbacked():
    def cell(src, tags=(TAG,)):
        printed = [{"output_type": "stream", "name": "stdout", "text": "loss 0.0123\n"}]
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": src, "outputs": printed}
    train = cell("loss = train(model)\nprint(f'{loss:.4f}')")
    assert why_unbacked(train, cell("assert loss < 0.1")) is None
    assert why_unbacked(train, cell("small = loss < 0.1\nassert small")) is None
    assert why_unbacked(train, cell("lr.claim('the loss is small', loss < 0.1, loss=loss)")) is None
    assert why_unbacked(cell("loss = train(model)\nassert loss < 0.1"), None) is None
    assert "no assert" in why_unbacked(train, cell("print(loss)"))
    assert "no code cell" in why_unbacked(train, None)
    assert "use none" in why_unbacked(train, cell("assert other > 0"))
    assert "use none" in why_unbacked(train, cell("assert np.all(np.ones(2))"))
    widget = cell("display(box)")
    widget["outputs"] = [{"output_type": "display_data", "data": {WIDGET: {}, "text/plain": "VBox(children=(1, 2))"}}]
    assert why_unbacked(widget, None) is None
