"""The import graph keeps the direction of STYLE.md: interfaces → tickets → the smaller
domains → core. Every module under zapros/ is parsed (nothing is imported), and every import
statement counts, including those inside functions.
"""

import ast
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the zapros package

# Lower layers never import higher ones. Apps in one layer may use each other as long as no
# cycle forms, except the interfaces, which nothing else imports.
LAYERS = {
    "core": 0,
    "accounts": 1, "clients": 1, "billing": 1, "notify": 1, "diagnostics": 1,
    "tickets": 2,
    "mail": 3, "importers": 3, "reports": 3, "demo": 3, "api": 3, "web": 3,
}
INTERFACES = {"web", "api"}
PURE_MODULES = ["zapros.tickets.states", "zapros.tickets.conversation",
                "zapros.core.hostnames", "zapros.diagnostics.whois",
                "zapros.diagnostics.dnslookup", "zapros.mail.parsing"]
# Tests of the whole project (this directory) stand outside the graph, like config/.
OUTSIDE = {"tests"}


@dataclass(frozen=True)
class Import:
    module: str   # the importing module
    line: int
    target: str   # the imported module (or package, or name in a package)

    def __str__(self):
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "__pycache__" not in path.parts:
            found[module_name(path)] = path
    return found


def imports_of(name: str) -> list[Import]:
    path = modules()[name]
    return parse_imports(name, path.read_text(encoding="utf-8"),
                         is_package=path.name == "__init__.py")


def parse_imports(name: str, source: str, *, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` as absolute dotted names. ``from a import b`` yields both
    ``a`` and ``a.b``, since ``b`` may be a module (``from zapros import web``)."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append(Import(name, node.lineno, target))
            found += [Import(name, node.lineno, f"{target}.{alias.name}")
                      for alias in node.names if alias.name != "*"]
    return found


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(i for name in modules() for i in imports_of(name))


def app_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "zapros" or len(parts) < 2 or parts[1] not in apps():
        return None
    return parts[1]


@cache
def apps() -> frozenset[str]:
    return frozenset(
        path.name for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and path.name not in OUTSIDE
    )


def app_edges() -> dict[tuple[str, str], list[Import]]:
    edges = defaultdict(list)
    for imp in all_imports():
        source, target = app_of(imp.module), app_of(imp.target)
        if source and target and source != target:
            edges[source, target].append(imp)
    return edges


def test_the_graph_is_really_read():
    edges = app_edges()
    assert len(modules()) > 20
    assert ("tickets", "accounts") in edges
    assert ("tickets", "core") in edges
    assert any(source == "web" and target == "tickets" for source, target in edges)


def test_every_app_has_a_place_in_the_layers():
    assert sorted(apps() - set(LAYERS)) == [], "add new apps to LAYERS in this test"


def test_dependencies_point_down():
    wrong = [
        str(imp)
        for (source, target), found in app_edges().items()
        if LAYERS.get(target, 99) > LAYERS.get(source, -1)
        for imp in found
    ]
    assert wrong == []


def test_nothing_imports_the_interfaces():
    wrong = [
        str(imp)
        for (source, target), found in app_edges().items()
        if target in INTERFACES
        for imp in found
    ]
    assert wrong == []


def test_core_imports_no_zapros_app():
    wrong = [
        str(imp) for imp in all_imports()
        if app_of(imp.module) == "core" and app_of(imp.target) not in (None, "core")
    ]
    assert wrong == []


def zapros_closure(start: str) -> set[str]:
    """``start`` and every zapros module it imports, directly or not (parents included, since
    importing a module runs its packages' ``__init__``)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in modules():
            continue
        seen.add(name)
        for imp in imports_of(name):
            parts = imp.target.split(".")
            todo += [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return seen


@pytest.mark.parametrize("pure", PURE_MODULES)
def test_pure_modules_import_no_orm(pure):
    assert pure in modules()
    wrong = [
        str(imp)
        for name in sorted(zapros_closure(pure))
        for imp in imports_of(name)
        if imp.target == "django.db" or imp.target.startswith("django.db.")
    ]
    assert wrong == []


def test_no_cycles_between_apps():
    graph = defaultdict(set)
    for source, target in app_edges():
        graph[source].add(target)
    cycles = []

    def visit(app, path):
        for target in sorted(graph[app]):
            if target in path:
                cycles.append(" → ".join([*path[path.index(target):], target]))
            elif target not in done:
                visit(target, [*path, target])
        done.add(app)

    done: set[str] = set()
    for app in sorted(graph):
        if app not in done:
            visit(app, [app])
    assert cycles == []


@pytest.mark.parametrize(
    ("source", "is_package", "app"),
    [
        ("from ...web import views", False, "web"),
        ("from zapros import api", False, "api"),
        ("import zapros.web.portal.views as views", False, "web"),
        ("from ...web.http import add_domain_error", False, "web"),
        ("from ..web import anything", False, "tickets"),  # zapros.tickets.web
        ("from .. import policies", False, "tickets"),
        ("from . import models", True, "tickets"),
        ("def later():\n    from zapros.api import schemas", False, "api"),
    ],
)
def test_the_resolver_sees_imports_written_any_way(source, is_package, app):
    name = "zapros.tickets.services" if is_package else "zapros.tickets.services.lifecycle"
    found = parse_imports(name, source, is_package=is_package)
    assert app in {app_of(imp.target) for imp in found}


def test_the_resolver_sees_the_orm_however_it_is_imported():
    for source in ("from django import db", "from django.db import models",
                   "import django.db.models", "from django.db.models import Q"):
        targets = {imp.target for imp in parse_imports("zapros.tickets.states", source)}
        assert any(t == "django.db" or t.startswith("django.db.") for t in targets), source


# Interfaces that ask the policies and call one operation, nothing more: no role checks, no
# transactions, no ORM writes. The mail pages and endpoints hold to it; others join the list
# as their rules move into the domain.
RULE_FREE_INTERFACES = ["zapros.web.staff.mail", "zapros.api.routers.incoming"]
ROLE_CHECKS = {"role", "is_overseer", "is_staff_member", "is_admin", "is_staff", "is_client",
               "is_staff_viewer"}
ORM_WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update",
              "get_or_create", "update_or_create", "select_for_update"}


def rule_leaks(name: str, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ROLE_CHECKS:
            found.append(f"{name}:{node.lineno} checks a role (.{node.attr})")
        elif isinstance(node, ast.Name | ast.Attribute) and "transaction" in (
                getattr(node, "id", None), getattr(node, "attr", None)):
            found.append(f"{name}:{node.lineno} opens a transaction")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ORM_WRITES):
            found.append(f"{name}:{node.lineno} writes (.{node.func.attr}())")
    return found


@pytest.mark.parametrize("interface", RULE_FREE_INTERFACES)
def test_rule_free_interfaces_hold_no_rules(interface):
    source = modules()[interface].read_text(encoding="utf-8")
    assert rule_leaks(interface, source) == []


def test_the_rule_check_sees_role_checks_transactions_and_writes():
    source = ("if user.is_overseer or gateways.is_admin(user): pass\n"
              "with transaction.atomic():\n    mail.save()\n"
              "InboundMail.objects.filter(pk=1).update(status='x')\n")
    assert len(rule_leaks("m", source)) == 5
