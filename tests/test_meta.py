"""The code base stays one a newcomer can find their way in: every registered scraper is exercised
on a saved page, no module outgrows one job (400 lines), and no two modules import each other."""

import ast
from pathlib import Path

from scrapers.base import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("monitor", "scrapers", "alerts")
MAX_LINES = 400

# kind → the test module that parses a saved page with it
SCRAPER_TESTS = {
    "feed": "test_scrapers_feed.py",
    "html_list": "test_scrapers_html_list.py",
    "mic_press_list": "test_scrapers_mic.py",
    "nhk_feed": "test_scrapers_nhk.py",
    "mic_page": "test_scrapers_mic.py",
    "nhk_article": "test_scrapers_nhk.py",
}


def test_every_registered_scraper_has_a_fixture_test():
    registered = set(REGISTRY.lists) | set(REGISTRY.details)
    assert registered == set(SCRAPER_TESTS), "register the new scraper's fixture test here"
    tests = Path(__file__).parent
    for kind, module in SCRAPER_TESTS.items():
        assert f'"{kind}"' in (tests / module).read_text(encoding="utf-8"), f"{module} does not exercise {kind}"


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, "split these by job"


def _top_level_imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ours that ``path`` imports when it is loaded (not in functions, not for typing)."""
    imported: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            imported.update(submodules & known or {node.module})
    return imported & known


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ours it imports when loaded. A package's edges to its own
    submodules are left out: an __init__ that re-exports them is a facade, not a circle."""
    found = modules()
    graph = {name: _top_level_imports(path, set(found)) for name, path in found.items()}
    return {name: {target for target in targets if not target.startswith(name + ".")} for name, targets in graph.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in sorted(graph[name]):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            group = []
            while (member := stack.pop()) != name:
                group.append(member)
            group.append(name)
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_modules_import_each_other_in_a_circle():
    assert circles(import_graph()) == [], "break these (rendering every channel shares goes in a module that imports none)"
