"""The committed diagrams in figures/ are exactly what tools/draw_figures.py draws."""
import importlib.util
import pathlib
import re

import matplotlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("draw_figures", ROOT / "tools" / "draw_figures.py")
draw_figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(draw_figures)


@pytest.fixture(scope="module")
def redrawn(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    draw_figures.draw_all(out)
    return out


def drawn_with(svg_bytes):
    """The matplotlib version recorded in an SVG's creator metadata."""
    m = re.search(rb"tools/draw_figures.py \(matplotlib ([^)]+)\)", svg_bytes)
    return m.group(1).decode() if m else None


@pytest.mark.parametrize("name", sorted(draw_figures.DRAWERS))
def test_committed_figure_is_what_the_code_draws(name, redrawn):
    committed = ROOT / "figures" / name
    assert committed.exists(), f"figures/{name} is missing: run `make figures`"
    version = drawn_with(committed.read_bytes())
    assert version, f"figures/{name} was not drawn by tools/draw_figures.py"
    if version != matplotlib.__version__:
        pytest.skip(f"figures/{name} was drawn with matplotlib {version}, this is {matplotlib.__version__}: "
                    "glyph paths differ between versions; run `make figures` to compare byte for byte")
    assert committed.read_bytes() == (redrawn / name).read_bytes(), (
        f"figures/{name} differs from what tools/draw_figures.py draws: run `make figures` and commit")


def test_drawing_is_deterministic(redrawn, tmp_path):
    draw_figures.draw_all(tmp_path)
    for name in draw_figures.DRAWERS:
        assert (tmp_path / name).read_bytes() == (redrawn / name).read_bytes(), name


def test_figures_have_titles_and_no_dates():
    for name in draw_figures.DRAWERS:
        svg = (ROOT / "figures" / name).read_text(encoding="utf-8")
        assert svg.count("<title>") == 1, name
        assert "<dc:date>" not in svg, name


def test_no_stray_figures():
    """Every SVG in figures/ is drawn by the code, so none can go stale unnoticed."""
    assert sorted(p.name for p in (ROOT / "figures").glob("*.svg")) == sorted(draw_figures.DRAWERS)
