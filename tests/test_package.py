"""The shape of the package: three layers that import only downwards, explicit exports, lazy heavy imports."""
import ast
import os
import pathlib
import subprocess
import sys

import pytest

import lstm_ref as lr

PKG = pathlib.Path(lr.__file__).resolve().parent
LAYERS = ["core", "training", "course"]          # lowest first


def _imported_modules(path, source=None):
    """Absolute names of the modules (and imported names) a file imports, anywhere in it."""
    package = ".".join(path.relative_to(PKG.parent).with_suffix("").parts[:-1])
    names = set()
    source = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            names.add(mod)
            names.update(f"{mod}.{alias.name}" for alias in node.names)
    return names


def _layer_of(module):
    parts = module.split(".")
    if parts[0] != "lstm_ref" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_a_higher_one(layer):
    higher = set(LAYERS[LAYERS.index(layer) + 1:])
    offences = []
    for path in sorted((PKG / layer).glob("*.py")):
        for mod in _imported_modules(path):
            if _layer_of(mod) in higher:
                offences.append(f"{path.relative_to(PKG.parent)} imports {mod}")
    assert not offences, "a lower layer imports a higher one:\n" + "\n".join(offences)


def test_the_layer_test_sees_upward_imports():
    probe = PKG / "core" / "probe.py"
    for source in ["from ..course import tasks", "from ..training.losses import mse",
                   "    import lstm_ref.course.plots", "from lstm_ref import training"]:
        found = {_layer_of(m) for m in _imported_modules(probe, source.strip())}
        assert found & {"course", "training"}, source


def test_core_imports_only_numpy_and_the_standard_library():
    allowed = {"numpy", "__future__"} | set(sys.stdlib_module_names)
    for path in sorted((PKG / "core").glob("*.py")):
        for mod in _imported_modules(path):
            top = mod.split(".")[0]
            assert top == "lstm_ref" or top in allowed, f"{path.name} imports {mod}"


def test_no_star_imports_and_explicit_all():
    for path in sorted(PKG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stars = [n.module for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)]
        assert not stars, f"{path.relative_to(PKG.parent)} star-imports {stars}"
    for pkg in [lr, lr.core, lr.training, lr.course]:
        assert len(pkg.__all__) == len(set(pkg.__all__)), pkg.__name__
        for name in pkg.__all__:
            assert hasattr(pkg, name), f"{pkg.__name__}.__all__ names {name!r}, which it does not define"


def test_top_level_exports_every_public_name_of_every_module():
    for layer in (lr.core, lr.training, lr.course):
        for module_name in layer.__all__:
            module = getattr(layer, module_name)
            missing = sorted(set(module.__all__) - set(lr.__all__))
            assert not missing, f"lstm_ref.__all__ lacks {missing} from {module.__name__}"
            assert all(getattr(lr, n) is getattr(module, n) for n in module.__all__)
    assert lr.symbolic.__all__ == []                 # used as lr.symbolic.NAME, never at the top


def _fresh(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(PKG.parent)})
    return out.stdout.split()


def test_import_loads_neither_sympy_nor_matplotlib():
    code = ("import sys, lstm_ref as lr\n"
            "print('sympy' in sys.modules, 'matplotlib' in sys.modules)\n"
            "lr.symbolic.sigma\n"
            "print('sympy' in sys.modules, 'matplotlib' in sys.modules)\n"
            "lr.new_axes()\n"
            "print('matplotlib' in sys.modules)\n")
    assert _fresh(code) == ["False", "False", "True", "False", "True"]


def test_short_module_names_resolve_and_unknown_names_raise():
    assert lr.charlm is lr.course.charlm
    assert lr.layers is lr.core.layers
    from lstm_ref import dynamics
    assert dynamics is lr.course.dynamics
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        lr.no_such_name
