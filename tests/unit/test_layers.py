"""The architecture's import rules, checked by walking every module's imports; and where
user-facing Korean text may live."""

import ast
import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "hantu"


def _imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path.name, node.module))
    return found


def test_layers_domain_imports_only_stdlib_and_itself() -> None:
    imports = _imports("domain")
    assert imports, "the walk found no imports at all"
    outside = [
        (module, name)
        for module, name in imports
        if not name.startswith("hantu.domain")
        and name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
    ]
    assert outside == []


def test_layers_simulator_never_imports_the_kis_adapter() -> None:
    leaks = [(m, n) for m, n in _imports("simulator") if n.startswith("hantu.adapters.kis")]
    assert leaks == []


def test_layers_service_layer_reaches_adapters_only_through_ports() -> None:
    leaks = [
        (m, n)
        for m, n in _imports("service_layer")
        if n.startswith(("hantu.adapters", "hantu.entrypoints", "sqlalchemy", "httpx", "fastapi"))
    ]
    assert leaks == []


HANGUL = re.compile("[\uac00-\ud7a3]")


def test_entrypoints_take_every_korean_message_from_messages_ko() -> None:
    # DESIGN: user-facing messages (UI, CLI, API) are Korean by default and kept in one place.
    entrypoints = SRC / "entrypoints"
    strays = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(entrypoints.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HANGUL.search(line)
    ]

    assert strays == []


def test_layers_bootstrap_never_imports_the_entrypoints() -> None:
    # The composition root serves every front end; none of them may leak into it.
    imports = _imports("bootstrap")
    assert imports, "the walk found no imports at all"
    assert [(m, n) for m, n in imports if n.startswith("hantu.entrypoints")] == []
