"""The house's direction (docs/architecture.md): layers, no cycles, pure modules that stay pure.

`make test` runs `lint-imports` on `.importlinter`; these tests pin what it cannot say by
itself — that its contracts really fail when broken — and what it does not check:
file-level cycles, imports hidden inside functions, and pure modules importing cleanly.
"""
import ast
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from voting.audit.chain import GENESIS
from voting.models.audit import GENESIS_HASH

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("voting", "notices")
WEB_AND_DATABASE = ("flask", "flask_smorest", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_limiter",
                    "flask_migrate", "sqlalchemy", "werkzeug", "voting.extensions", "voting.models")


def _pure_modules() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config["importlinter:contract:pure"]["source_modules"].split()


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("breakage, contract", [
    # A model reaching up into a feature package breaks the layers.
    ("voting/models/rounds.py", "Packages import downward only"),
    # Flask in the tally breaks the pure contract.
    ("voting/tally/rules.py", "Pure domain modules import no web framework"),
])
def test_breaking_a_contract_fails_the_lint(tmp_path, breakage, contract):
    for name in (*PACKAGES, ".importlinter"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    line = "import voting.ballots.casting\n" if "models" in breakage else "import flask\n"
    target = tmp_path / breakage
    target.write_text(target.read_text(encoding="utf-8") + line, encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert f"{contract}" in " ".join(result.stdout.split()) and "BROKEN" in result.stdout


def test_every_package_and_module_has_its_layer():
    """A new feature package or top-level module must be placed in `.importlinter` (docs/architecture.md)."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layered = set(config["importlinter:contract:layers"]["layers"].replace("|", " ").replace(":", " ").split())
    top_level = {"notices"} | {f"voting.{p.stem if p.is_file() else p.name}" for p in (ROOT / "voting").iterdir()
                               if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert top_level - layered == set()


def test_no_module_cycles_in_voting_or_notices():
    """Strongly connected modules, counting every import statement (grimp reads those in functions too)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    modules = sorted(graph.modules)
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(module):  # Tarjan: the graph has ~150 modules, recursion is fine
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    # A package's __init__ importing its own submodules is not a cycle between files.
    cycles = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert cycles == []


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    found = []

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.append(child.lineno)
            walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    walk(tree, False)
    return found


def test_no_import_is_placed_inside_a_function():
    hidden = {str(p.relative_to(ROOT)): lines for p in _sources()
              if (lines := _imports_inside_functions(ast.parse(p.read_text(encoding="utf-8"))))}
    assert hidden == {}


def test_pure_modules_import_without_flask_or_sqlalchemy():
    pure = _pure_modules()
    script = ("import sys\n"
              f"for name in {pure!r}:\n    __import__(name)\n"
              f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {WEB_AND_DATABASE!r} or m in {WEB_AND_DATABASE!r})\n"
              "print(loaded)\nsys.exit(1 if loaded else 0)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(pure) >= 20


def test_the_audit_models_default_is_the_chains_genesis():
    assert GENESIS_HASH == GENESIS
