"""The shape of the tree: every package depends only downward (docs/architecture.md).

Reads every module's imports (including those under `TYPE_CHECKING` and inside functions)
and fails when a package imports a layer above its own, when a stage imports another stage
that `docs/architecture.md` does not allow or reaches past that stage's public `__init__`,
when anything imports another package's private `_module`, or when packages import each
other in a loop.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "culturebridge"
DOC = ROOT / "docs" / "architecture.md"

# Layers, bottom to top: a package may import its own layer's earlier entries and lower layers.
BASE = ("errors", "ids", "settings", "keyfile", "storage", "accounts", "catalog", "platform", "jobs")
STAGES = ("rights", "fingerprint", "labels", "review", "localize", "feed", "insight", "audit", "create")
TOP = ("pipeline",)
EDGES = ("web", "cli", "demo", "__main__", "__init__")


def _rank(package: str) -> int:
    if package in BASE:
        return BASE.index(package)
    if package in STAGES:
        return len(BASE)
    if package in TOP:
        return len(BASE) + 1
    return len(BASE) + 2


def _package_of(path: Path, src: Path = SRC) -> str:
    return path.relative_to(src).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every `culturebridge.*` import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("culturebridge")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("culturebridge"):
            if node.module == "culturebridge":  # `from culturebridge import catalog, labels`
                found += [(node.lineno, f"culturebridge.{a.name}") for a in node.names]
            else:
                found += [(node.lineno, node.module)]
                # `from culturebridge.fingerprint import _tables` names a module too
                found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names if a.name.startswith("_")]
    return found


def allowed_stage_edges() -> set[tuple[str, str]]:
    """The stage -> stage imports docs/architecture.md allows (lines like "- `review` → `labels`")."""
    text = DOC.read_text(encoding="utf-8")
    return {(a, b) for a, b in re.findall(r"^- `(\w+)` → `(\w+)`", text, re.MULTILINE)}


def violations(src: Path = SRC, allowed: set[tuple[str, str]] | None = None) -> list[str]:
    allowed = allowed_stage_edges() if allowed is None else allowed
    problems: list[str] = []
    for path in sorted(src.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        package = _package_of(path, src)
        where = path.relative_to(src.parent)
        for line, module in _imports(path):
            parts = module.split(".")
            if len(parts) < 2:
                continue
            target = parts[1]
            if target == package or target == "__version__":
                continue
            private = [p for p in parts[2:] if p.startswith("_")]
            if private:
                problems.append(f"{where}:{line} imports {module}, a private module of {target}")
            if target in STAGES and package in STAGES:
                if (package, target) not in allowed:
                    problems.append(f"{where}:{line}: stage {package} imports stage {target}, not allowed in {DOC.name}")
                elif len(parts) > 2:
                    problems.append(f"{where}:{line}: {module} is past the public face of {target} (use culturebridge.{target})")
            elif _rank(target) > _rank(package):
                problems.append(f"{where}:{line}: {package} imports {module}, from a layer above it")
    return problems


def package_loops() -> list[list[str]]:
    """Cycles in the package-level import graph (each cycle once)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        package = _package_of(path)
        for _, module in _imports(path):
            parts = module.split(".")
            if len(parts) >= 2 and parts[1] != package:
                graph[package].add(parts[1])
    loops: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                loops.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return loops


def test_every_import_runs_down_the_layers() -> None:
    assert violations() == []


def test_no_two_packages_import_each_other_in_a_loop() -> None:
    assert package_loops() == []


def test_the_allowed_stage_edges_name_real_stages() -> None:
    edges = allowed_stage_edges()
    assert edges, "docs/architecture.md lists no allowed stage imports"
    assert all(a in STAGES and b in STAGES for a, b in edges)


def test_the_checker_reports_each_kind_of_violation(tmp_path: Path) -> None:
    """On a small made-up tree, every rule above fires where it should and nowhere else."""
    src = tmp_path / "culturebridge"
    files = {
        "rights/ok.py": "from culturebridge.catalog import get_work\nfrom culturebridge.jobs import enqueue\n",
        "rights/up.py": "from culturebridge.pipeline import job_handlers\n",
        "review/peek.py": "from culturebridge.labels.asset_check import stored_check\n",
        "review/fine.py": "from culturebridge.labels import stored_check\n",
        "feed/stranger.py": "from culturebridge import review\n",
        "web/private.py": "from culturebridge.fingerprint import _tables\n",
        "catalog/lift.py": "import culturebridge.jobs\n",
    }
    for name, code in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(code)
    found = violations(src, {("review", "labels")})
    assert len(found) == 5, found
    for where in ("rights/up.py", "review/peek.py", "feed/stranger.py", "web/private.py", "catalog/lift.py"):
        assert any(where in problem for problem in found), where
