"""The package's import structure, read from the source (AST, no import).

Rules (DESIGN.md, "Layers of the package, and trust"):

1. No import cycle of any kind. The graph has an edge A -> B for every
   import of package module B written in module A, at module level AND
   inside a function (a deferred import is still a dependency: hiding it in
   a function only dodges the cycle at import time).
2. No module of the package imports the package root `keras_perceptual`:
   neither `import keras_perceptual` nor `from keras_perceptual import x`
   (nor `from . import x` in a top-level module). `from keras_perceptual
   import losses` reads the attribute `losses` of the root first, which
   runs the root's lazy `__getattr__`: the library would rely on the face
   of the package. Submodules are imported by their full names:
   `import keras_perceptual.losses as losses` or
   `from keras_perceptual.losses import DeePSiMLoss`.
3. No `importlib.import_module` / `__import__` with a literal string naming
   a package module (the way to hide a dependency from rule 1). A computed
   name is allowed only in a package's `__init__.py` (a face or a registry
   resolving a name from its own table, such as the root's `_EXPORTS`).
4. Imports of package modules inside functions are allowed only in the
   entry point (`keras_perceptual.cli`, which nothing imports: it defers
   Keras so that `--help` is instant) and in `DEFERRED_DEBT` below, each of
   which forms no cycle (rule 1 still counts them) and waits for its owner
   to move it to module level. Deferred imports of third-party packages
   (Keras in the CLI, a framework in `backend/`, huggingface_hub) are fine.
"""

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parent.parent / "keras_perceptual"
PACKAGE = "keras_perceptual"
ENTRY_POINTS = {"keras_perceptual.cli"}
# (module, imported module) deferred imports that predate this test, waiting
# to move to module level; none closes a cycle. All have moved: never add to
# this set.
DEFERRED_DEBT = set()


def _modules():
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


MODULES = _modules()


def _resolve(name):
    """The package module `name` refers to (the longest known prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _scan(module, path):
    """`(imports, root_imports, literal_import_module, computed_import_module)`:
    imports are `(target, deferred, line)`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imports, root, literal, computed = [], [], [], []

    def visit(node, deferred):
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == PACKAGE:
                        root.append(child.lineno)
                    elif alias.name.startswith(PACKAGE + "."):
                        imports.append((_resolve(alias.name), deferred, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (child.level - 1)]
                    base = ".".join(parts + ([child.module] if child.module else []))
                if base == PACKAGE:
                    root.append(child.lineno)
                elif base.startswith(PACKAGE + "."):
                    for alias in child.names:
                        full = f"{base}.{alias.name}"
                        imports.append((full if full in MODULES else _resolve(base), deferred, child.lineno))
            elif isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__") and child.args:
                    arg = child.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if arg.value == PACKAGE or arg.value.startswith(PACKAGE + "."):
                            literal.append(child.lineno)
                    else:
                        computed.append(child.lineno)
            visit(child, inner)

    visit(tree, False)
    return [i for i in imports if i[0] and i[0] != module], root, literal, computed


SCANS = {m: _scan(m, p) for m, p in MODULES.items()}


def _cycles():
    """Strongly connected components of more than one module (Tarjan)."""
    edges = {m: {t for t, _, _ in scan[0]} for m, scan in SCANS.items()}
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_the_scan_sees_the_package():
    # The scan must see the modules and their imports, or every rule passes vacuously.
    assert {"keras_perceptual.presets", "keras_perceptual.models.vaegan", "keras_perceptual.cli"} <= set(MODULES)
    targets = {t for t, _, _ in SCANS["keras_perceptual.models.vaegan"][0]}
    assert "keras_perceptual.models.gaussian_autoencoder" in targets
    assert any(d for _, d, _ in SCANS["keras_perceptual.cli"][0])  # the CLI's deferred imports are seen


def test_no_import_cycle_module_level_or_deferred():
    cycles = _cycles()
    assert not cycles, (
        "Import cycles (module-level and in-function imports both count): "
        + "; ".join(" <-> ".join(c) for c in cycles)
        + ". Move the shared piece down a layer instead of hiding an import in a function."
    )


def test_no_module_imports_the_package_root():
    offenders = [f"{m}:{line}" for m, scan in SCANS.items() if m != PACKAGE for line in scan[1]]
    assert not offenders, (
        f"These lines import the package root (write `import keras_perceptual.x as x` or "
        f"`from keras_perceptual.x import y`): {offenders}"
    )


def test_no_import_module_to_hide_a_dependency():
    literal = [f"{m}:{line}" for m, scan in SCANS.items() for line in scan[2]]
    assert not literal, f"importlib.import_module/__import__ of a package module by a literal name: {literal}"
    computed = [f"{m}:{line}" for m, scan in SCANS.items() for line in scan[3]
                if MODULES[m].name != "__init__.py"]
    assert not computed, f"a computed import_module outside a package's __init__.py: {computed}"


def test_deferred_package_imports_only_where_allowed():
    deferred = {(m, t) for m, scan in SCANS.items() if m not in ENTRY_POINTS for t, d, _ in scan[0] if d}
    new = sorted(deferred - DEFERRED_DEBT)
    assert not new, (
        f"Imports of package modules inside functions: {new}. Import them at module level; if that makes "
        "a cycle, move the shared piece down a layer."
    )
    # Nothing imports the entry point, so its deferred imports cannot dodge a cycle.
    importers = [m for m, scan in SCANS.items() for t, _, _ in scan[0] if t in ENTRY_POINTS]
    assert not importers, importers


def _closure(module):
    """Every package module that importing `module` imports at module level."""
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += [t for t, deferred, _ in SCANS[m][0] if not deferred]
    return seen


def test_layers_the_registry_and_a_model_import_only_what_they_need():
    # The registry and the load-time config import no model and no framework.
    for bottom in ("keras_perceptual.presets", "keras_perceptual.preset_config", "keras_perceptual.preset_format"):
        closure = _closure(bottom)
        assert not {m for m in closure if m.startswith("keras_perceptual.models.")} - {
            f"keras_perceptual.models.{f}_presets" for f in
            ("vaegan", "classifier", "deepsim", "adversarial_autoencoder", "implicit_autoencoder")}, bottom
        assert not {m for m in closure if m.startswith(("keras_perceptual.backend", "keras_perceptual.training",
                                                        "keras_perceptual.metrics"))}, bottom
    # Defining the VAE imports no metric, no CLI, no training driver, no recipe, no dataset.
    vae = _closure("keras_perceptual.models.vae")
    assert "keras_perceptual.models.gaussian_autoencoder" in vae
    banned = [m for m in vae if m.startswith(("keras_perceptual.metrics", "keras_perceptual.recipes"))
              or m in ("keras_perceptual.cli", "keras_perceptual.training.driver", "keras_perceptual.datasets",
                       "keras_perceptual.callbacks", "keras_perceptual.training.pictures")]
    assert not banned, banned
    # The readers of presets never reach for a model family.
    for layer4 in ("keras_perceptual.preset_reader", "keras_perceptual.preset_writer", "keras_perceptual.hub"):
        targets = {t for t, _, _ in SCANS[layer4][0]}
        assert not {t for t in targets if t.startswith("keras_perceptual.models.")
                    and not t.endswith("_presets")}, layer4
