"""No import cycle in hhdesk: every module can be understood (and tested) from the modules below it.

The graph is grimp's, the one import-linter checks its contracts on; it counts every import statement,
including those inside functions, since a lazy import is still a dependency.
"""

from __future__ import annotations

import grimp

PACKAGE = "hhdesk"


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The groups of modules of ``package`` that import each other, directly or through others (Tarjan's
    strongly connected components, without recursion), each sorted, largest first."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & inside)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.find_modules_directly_imported_by(target) & inside))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    cycles.append(sorted(group))
    return sorted(cycles, key=lambda group: (-len(group), group))


def test_hhdesk_has_no_import_cycle() -> None:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    cycles = import_cycles(graph, PACKAGE)
    assert cycles == [], "modules that import each other: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_check_finds_a_cycle_through_a_lazy_import_chain() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"), ("pkg.c", "pkg.d"),
                               ("pkg.e", "pkg.f"), ("pkg.f", "pkg.e"), ("pkg.d", "other.x"), ("other.x", "pkg.d")]:
        graph.add_import(importer=importer, imported=imported)
    graph.add_module("pkg")
    assert import_cycles(graph, "pkg") == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.e", "pkg.f"]]
