"""threetalk's modules import each other without cycles, type-only imports included.

The graph is read from the source with ``ast``: every ``import`` and ``from ... import``
anywhere in a module (at the top, inside functions, under ``if TYPE_CHECKING:``), with
relative imports resolved. ``from package import name`` points at the submodule when
``name`` is one, else at the package's ``__init__``. A package's ``__init__`` re-exports
its submodules, so a submodule that imports its package (``import threetalk as tt``,
``from threetalk import Rule``) closes a cycle as soon as the package imports it back:
such cycles are reported like any other (a module the package never imports, such as
the CLI's demo, may import the package). Importing a submodule runs its package's
``__init__`` first; that is not an edge, or every module would depend on its package.
Modules imported by name at run time (``importlib.import_module``, as the CLI does for
its subcommands) are not edges either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "threetalk"

#: Edges that close a cycle in modules this change does not own, each with its owner, to
#: be removed by them. Cycles among the core modules are never listed here.
KNOWN: frozenset[tuple[str, str]] = frozenset()


def module_name(path: Path) -> str:
    """``threetalk._guards`` for ``src/threetalk/_guards.py``; packages by their name."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by name."""
    return {module_name(path): path for path in sorted((SRC / PACKAGE).rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that module ``name`` (at ``path``) imports, anywhere in it."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    edges = set()
    for dotted in found:
        # The longest prefix that is one of ours (``import attrs`` leaves nothing).
        target = dotted
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            edges.add(target)
    return edges


def import_graph() -> dict[str, set[str]]:
    """Module name -> the package's modules it imports."""
    found = modules()
    known = set(found)
    return {name: imported(name, path, known) for name, path in found.items()}


def components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Every strongly connected component of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """For each component with a cycle, a shortest cycle through its first module."""
    return [shortest_cycle(graph, component) for component in components(graph)]


def describe(graph: dict[str, set[str]]) -> str:
    """Each cycle as ``a -> b -> a``, with every module of its component."""
    return "; ".join(
        f"{' -> '.join(shortest_cycle(graph, component))} (all of: {', '.join(sorted(component))})"
        for component in components(graph)
    )


def shortest_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle from the component's first module back to it (breadth first)."""
    start = min(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(component)  # pragma: no cover - a component always has a cycle


def without(graph: dict[str, set[str]], edges: frozenset[tuple[str, str]]) -> dict[str, set[str]]:
    """``graph`` less ``edges``."""
    return {
        name: {to for to in targets if (name, to) not in edges} for name, targets in graph.items()
    }


class TestImportGraph:
    def test_no_cycles(self):
        """No module of threetalk imports itself through others, type-only imports included."""
        graph = without(import_graph(), KNOWN)

        assert components(graph) == [], f"import cycles: {describe(graph)}"

    def test_known_edges_still_exist(self):
        """Every allowed edge is still in the source (remove it here once it is gone)."""
        graph = import_graph()

        stale = sorted((src, to) for src, to in KNOWN if to not in graph.get(src, set()))

        assert stale == []

    def test_the_core_imports_only_downwards(self):
        """The public view's module imports nothing above the vocabulary, values and the trail."""
        graph = import_graph()

        assert graph["threetalk.typing"] <= {
            "threetalk._phases",
            "threetalk._values",
            "threetalk._trail",
            "threetalk._exceptions",
        }

    def test_the_graph_is_read(self):
        """The reader finds edges of every kind it claims to (so the cycle test can fail)."""
        graph = import_graph()

        assert "threetalk._guards" in graph["threetalk._protocols"]  # from threetalk import _x
        assert "threetalk._protocols" in graph["threetalk._engine"]  # under TYPE_CHECKING
        assert "threetalk" in graph["threetalk._demo"]  # import threetalk as tt
        assert "threetalk.simulation._policy" in graph["threetalk.simulation"]


class TestCycleFinder:
    @pytest.mark.parametrize(
        ("graph", "expected"),
        [
            ({"a": {"b"}, "b": set()}, []),
            ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
            ({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}, [["a", "b", "c", "a"]]),
            ({"a": {"b", "c"}, "b": {"c"}, "c": {"a"}}, [["a", "c", "a"]]),
            (
                {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}, "e": {"a", "c"}},
                [["a", "b", "a"], ["c", "d", "c"]],
            ),
        ],
    )
    def test_cycles(self, graph, expected):
        """Each strongly connected component is named by a shortest cycle through it."""
        found = sorted(cycles(graph))

        assert found == expected

    def test_relative_and_package_imports(self, tmp_path):
        """Relative imports resolve against the package; a package import is its __init__."""
        package = tmp_path / "pkg"
        (package / "sub").mkdir(parents=True)
        (package / "__init__.py").write_text("from pkg.a import x\n")
        (package / "a.py").write_text("def f():\n    from . import b\n")
        (package / "b.py").write_text("from .sub import c\nimport pkg\n")
        (package / "sub" / "__init__.py").write_text("")
        (package / "sub" / "c.py").write_text("from ..a import f\nfrom .. import a\n")
        known = {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"}

        found = {
            name: imported(name, path, known)
            for name, path in {
                "pkg": package / "__init__.py",
                "pkg.a": package / "a.py",
                "pkg.b": package / "b.py",
                "pkg.sub.c": package / "sub" / "c.py",
            }.items()
        }

        assert found == {
            "pkg": {"pkg.a"},
            "pkg.a": {"pkg.b"},
            "pkg.b": {"pkg.sub.c", "pkg"},
            "pkg.sub.c": {"pkg.a"},
        }


#: Files that still cite documents outside the repository, with their owner, to be fixed
#: by them. Core modules are never listed here.
CITING: dict[str, str] = {}

#: How a citation of a document outside the repository looks.
OUTSIDE = ("DOMAIN.md", "SETTLED", "STYLE.md", "../shared", "seeds/")


class TestSourceCitations:
    def test_no_file_outside_the_repository_is_cited(self):
        """The source cites docs/guide.md for the rules, never a file beyond the repository."""
        root = SRC.parent
        citing = {
            path.relative_to(root).as_posix()
            for path in sorted((SRC / PACKAGE).rglob("*.py"))
            if any(marker in path.read_text(encoding="utf-8") for marker in OUTSIDE)
        }

        assert citing == set(CITING)
