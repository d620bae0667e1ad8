"""The house rules that an import graph can check (docs/ARCHITECTURE.md).

Read from the source with :mod:`ast` (every ``import``, also the ones inside functions), so a
lazy import that closes a circle counts too:

* no import circles between the package's modules;
* the library never imports ``netcmdb.demo`` (the demo, the simulators and the lab builders);
* nothing in the package reaches into ``tests/`` (no ``sys.path`` edits, no loading by path);
* every runtime dependency in pyproject.toml is imported by the library (none only by tests or
  the demo), and the test/demo-only ones (scapy, snmpsim) are not runtime dependencies.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
NOT_PACKAGE = {"tests", "benchmarks", "build", "docs"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for f in sorted(ROOT.rglob("*.py")):
        rel = f.relative_to(ROOT)
        if rel.parts[0] in NOT_PACKAGE or rel.parts[0].startswith("."):
            continue
        name = ".".join(("netcmdb", *rel.with_suffix("").parts)).removesuffix(".__init__")
        mods[name] = f
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module name ``name`` imports (absolute, relative, top level or inside a function)."""
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for name, path in MODULES.items():
        for target in _imports(name, path):
            while target and target not in MODULES:  # ``from pkg import name`` -> pkg
                target = target.rpartition(".")[0]
            if target and target != name:
                g.add_edge(name, target)
    return g


def _is_demo(name: str) -> bool:
    return name == "netcmdb.demo" or name.startswith("netcmdb.demo.")


def test_the_scan_found_the_package() -> None:
    assert {"netcmdb.cli", "netcmdb.demo", "netcmdb.cmdb.reconcile"} <= set(MODULES)
    g = _graph()
    assert g.has_edge("netcmdb.demo", "netcmdb.demo.export_steps")  # the walker sees imports


def test_no_import_circles() -> None:
    cycles = [c for c in nx.simple_cycles(_graph()) if len(c) > 1]
    assert cycles == [], f"import circles: {cycles[:5]}"


def test_the_library_never_imports_the_demo() -> None:
    g = _graph()
    wrong = sorted((a, b) for a, b in g.edges if _is_demo(b) and not _is_demo(a))
    assert wrong == []


#: Which rooms (top-level modules and packages) each room may import: the data-flow direction of
#: docs/ARCHITECTURE.md. Change both together when a new dependency is meant.
_FOUNDATION = {"errors", "safety", "atomic", "inputs", "net", "i18n"}
_LIBRARY = _FOUNDATION | {"discovery", "cmdb", "config", "topology", "labeling", "exporters"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "safety": {"errors"},
    "atomic": {"errors"},
    "inputs": {"errors"},
    "net": {"errors"},
    "i18n": {"errors"},
    "discovery": _FOUNDATION,  # knows the network, never the CMDB
    "cmdb": _FOUNDATION | {"discovery"},  # facts and normalisers only, never scanners' I/O
    "config": _FOUNDATION | {"cmdb", "labeling"},  # builds the reconciler and label-rule configs
    "topology": _FOUNDATION | {"cmdb", "discovery"},
    "labeling": _FOUNDATION | {"cmdb", "discovery"},
    "exporters": _FOUNDATION | {"cmdb", "discovery", "topology", "labeling"},
    "services": _LIBRARY,  # what the CLI and the web both call
    "options": _LIBRARY,
    "web": _LIBRARY | {"services"},  # never the CLI
    "commands": _LIBRARY | {"services", "options", "web"},  # `netcmdb serve` starts the web
    "cli": {"commands", "options", "errors", "i18n", "config"},
    "__main__": {"cli"},
    "demo": _LIBRARY | {"services", "cli", "commands", "options"},  # the user's view, end to end
}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "netcmdb"


def test_each_room_imports_only_what_the_data_flow_allows() -> None:
    wrong = []
    for a, b in _graph().edges:
        ra, rb = _room(a), _room(b)
        if ra == rb or rb == "netcmdb":  # within a room, or the root package's metadata
            continue
        if ra not in ALLOWED:
            wrong.append(f"{a}: room {ra!r} is not in ALLOWED (tests/test_architecture.py)")
        elif rb not in ALLOWED[ra]:
            wrong.append(
                f"{a} imports {b}: {ra} may import only {sorted(ALLOWED[ra])} "
                "(docs/ARCHITECTURE.md)"
            )
    assert wrong == []


def test_nothing_in_the_package_reaches_into_tests() -> None:
    offenders = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                offenders.append(f"{name}: sys.path")
            if isinstance(node, ast.Attribute) and node.attr == "spec_from_file_location":
                offenders.append(f"{name}: loads a module by path")
        if re.search(r"""["']tests["']|["']tests/""", text):
            offenders.append(f"{name}: names the tests directory")
        if any(t == "lab" or t.startswith("lab.") for t in _imports(name, path)):
            offenders.append(f"{name}: imports the tests' lab package")
    assert offenders == []


# Runtime dependencies used through another package, not imported by name.
_IMPLICIT = {
    "rl_accel": "reportlab's C accelerators, picked up by reportlab",
    "lxml": "openpyxl's fast writer, picked up by openpyxl",
    "python-multipart": "FastAPI's form parser (the web's login and edit forms)",
}
_IMPORT_NAME = {
    "pyyaml": "yaml",
    "ntc-templates": "ntc_templates",
    "psycopg": "psycopg",
    "argon2-cffi": "argon2",
}


def _dist_name(req: str) -> str:
    return re.split(r"[\s<>=!~\[;]", req, maxsplit=1)[0].lower()


def test_every_runtime_dependency_is_used_by_the_library() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    library_imports: set[str] = set()
    for name, path in MODULES.items():
        if not _is_demo(name):
            library_imports.update(i.split(".")[0] for i in _imports(name, path))
    unused = []
    for req in project["dependencies"]:
        dist = _dist_name(req)
        if dist in _IMPLICIT:
            continue
        if _IMPORT_NAME.get(dist, dist.replace("-", "_")) not in library_imports:
            unused.append(dist)
    assert unused == [], f"runtime dependencies no library module imports: {unused}"
    runtime = {_dist_name(r) for r in project["dependencies"]}
    assert not runtime & {"scapy", "snmpsim", "pysmi", "fakenos"}
    assert {"scapy", "snmpsim"} <= {_dist_name(r) for r in project["optional-dependencies"]["demo"]}


def _is_reexport_shim(path: Path) -> bool:
    """A module that defines nothing: only imports (and ``__all__``) under its docstring."""
    body = [
        n
        for n in ast.parse(path.read_text(encoding="utf-8")).body
        if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
    ]
    return bool(body) and all(
        isinstance(n, (ast.Import, ast.ImportFrom))
        or (
            isinstance(n, ast.Assign)
            and all(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
        )
        for n in body
    )


def test_no_reexport_shims() -> None:
    """Every name has one home: no module (package or tests) only re-exports another's names
    (discovery/platforms.py, tests/lab/netns.py and tests/lab/sweepnet.py were removed; import
    netcmdb.discovery.vendors and netcmdb.demo.lab.* instead)."""
    files = [p for p in MODULES.values() if p.name not in ("__init__.py", "__main__.py")]
    files += [p for p in (ROOT / "tests").rglob("*.py") if p.name not in ("__init__.py",)]
    files += list((ROOT / "benchmarks").rglob("*.py"))
    shims = sorted(str(p.relative_to(ROOT)) for p in files if _is_reexport_shim(p))
    assert shims == []


def test_commands_only_parse_call_and_render() -> None:
    """commands/*.py never reach the database themselves: no SQLAlchemy, no cmdb.models, no
    session — they call ``netcmdb.services`` (which the web calls too)."""
    wrong = []
    for name, path in MODULES.items():
        if not name.startswith("netcmdb.commands."):
            continue
        for target in _imports(name, path):
            if target.split(".")[0] == "sqlalchemy" or target.startswith(
                ("netcmdb.cmdb.models", "netcmdb.cmdb.db", "netcmdb.cmdb.reconcile")
            ):
                wrong.append(f"{name} imports {target}")
        if "session_scope" in path.read_text(encoding="utf-8"):
            wrong.append(f"{name} opens a session")
    assert wrong == []
