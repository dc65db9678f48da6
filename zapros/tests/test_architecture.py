"""The import graph keeps the direction of STYLE.md: interfaces → tickets → the smaller
domains → core, and inside the tickets app states → models → policies → selectors → services.
Every module under zapros/ is parsed (nothing is imported), and every import statement counts,
including those inside functions; only the test for import cycles tells them apart (see
:func:`test_no_import_cycles_between_modules`).

The interfaces (web/ and api/) hold no rules: no role checks, no look-ups in the state table,
no transactions and no ORM writes (see :func:`interface_rule_breaks`).
"""

import ast
import re
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
    "accounts": 1, "clients": 1, "billing": 1, "notify": 1, "diagnostics": 1, "sla": 1,
    "tickets": 2,
    "mail": 3, "importers": 3, "reports": 3, "demo": 3, "api": 3, "web": 3,
}
INTERFACES = {"web", "api"}
PURE_MODULES = ["zapros.tickets.states", "zapros.tickets.conversation",
                "zapros.tickets.rendering",
                "zapros.core.hostnames", "zapros.diagnostics.whois",
                "zapros.diagnostics.dnslookup", "zapros.mail.parsing",
                "zapros.sla.businesstime", "zapros.sla.ical", "zapros.sla.clocks",
                "zapros.sla.matching"]
# Tests of the whole project (this directory) stand outside the graph, like config/.
OUTSIDE = {"tests"}


@dataclass(frozen=True)
class Import:
    module: str   # the importing module
    line: int
    target: str   # the imported module (or package, or name in a package)
    deferred: bool = False  # inside a function: runs when called, not when the module loads

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
    tree = ast.parse(source)
    in_functions = {
        id(inner)
        for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        deferred = id(node) in in_functions
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, alias.name, deferred) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append(Import(name, node.lineno, target, deferred))
            found += [Import(name, node.lineno, f"{target}.{alias.name}", deferred)
                      for alias in node.names if alias.name != "*"]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
              in {"import_module", "__import__"}):
            # importlib.import_module("zapros.web.staff.views") is an import by another name.
            found.append(Import(name, node.lineno, node.args[0].value, deferred))
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
        ("import importlib\nimportlib.import_module('zapros.web.staff.views')", False, "web"),
        ("from importlib import import_module\nimport_module('zapros.api.auth')", False, "api"),
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


# --- Inside the tickets app -----------------------------------------------------------------

# Each module of zapros.tickets (a package counts as one) imports only from lower floors. The
# pure state machine is the ground; the models feed it; the access policy and the small
# helpers of the services stand on the models; notifications and the write helpers use them;
# the selectors read through the policy; search reads through the selectors; the services
# are the top of the domain. Tasks, the admin and the management commands are entry points,
# like the interfaces: they call services and nothing calls them.
TICKETS_FLOORS = {
    "states": 0, "rendering": 0,
    "models": 1, "conversation": 1,
    "policies": 2, "validation": 2, "numbering": 2, "attachments": 2, "files": 2,
    "deadlines": 2,
    "writes": 3, "notifications": 3, "diagnostics": 3,
    "selectors": 4,
    "search": 5,
    "services": 6,
    "tasks": 7, "sla_admin": 7, "management": 7, "apps": 7,
    "admin": 8,   # registers sla_admin's pages by importing it
}
# Not code of the domain: tests and migrations stand outside, like config/.
TICKETS_OUTSIDE = {"tests", "migrations"}


def tickets_unit(dotted: str) -> str | None:
    """The module or package of zapros.tickets that ``dotted`` is in (``services`` for
    ``zapros.tickets.services.lifecycle``); None for other apps and the package itself."""
    parts = dotted.split(".")
    if parts[:2] != ["zapros", "tickets"] or len(parts) < 3:
        return None
    return parts[2]


@cache
def tickets_units() -> frozenset[str]:
    return frozenset(
        unit for name in modules()
        if (unit := tickets_unit(name)) is not None and unit not in TICKETS_OUTSIDE
    )


def tickets_edges() -> list[tuple[str, str, Import]]:
    known = tickets_units()
    return [
        (source, target, imp)
        for imp in all_imports()
        if (source := tickets_unit(imp.module)) in known
        and (target := tickets_unit(imp.target)) in known and source != target
    ]


def test_every_tickets_module_has_a_floor():
    assert {"states", "models", "policies", "selectors", "services"} <= tickets_units()
    assert sorted(tickets_units() - set(TICKETS_FLOORS)) == [], (
        "add new modules of zapros.tickets to TICKETS_FLOORS in this test")


def test_the_tickets_graph_is_really_read():
    edges = {(source, target) for source, target, _imp in tickets_edges()}
    assert {("selectors", "policies"), ("services", "writes"), ("policies", "states"),
            ("tasks", "services")} <= edges


def test_tickets_dependencies_point_down():
    wrong = [
        f"{imp} ({source} is on floor {TICKETS_FLOORS[source]}, {target} on "
        f"{TICKETS_FLOORS[target]})"
        for source, target, imp in tickets_edges()
        if TICKETS_FLOORS[target] >= TICKETS_FLOORS[source]
    ]
    assert wrong == []


def test_selectors_never_import_services():
    # Implied by the floors; said on its own because it is the rule most likely to be
    # "just this once" broken (a selector wanting a service's helper).
    wrong = [str(imp) for source, target, imp in tickets_edges()
             if source in {"selectors", "search"} and target == "services"]
    assert wrong == []


# --- Import cycles between modules ----------------------------------------------------------

# A cycle of imports that run when modules load works or fails by the order modules happen to
# be imported in; the test forbids every one. An import inside a function runs when it is
# called, after every module has loaded, and is the way to close a cycle on purpose: each such
# deliberate import is listed here, with why. Any other cycle, deferred imports included,
# fails, so the list stays the whole truth.
DEFERRED_CYCLE_IMPORTS = {
    # The outbox enqueues the sending task on commit; the task reads the outbox row.
    ("zapros.notify.outbox", "zapros.notify.tasks"),
    # "Poll now" hands the poll to a worker; the task runs the poller.
    ("zapros.mail.polling", "zapros.mail.tasks"),
}


def module_of(dotted: str) -> str | None:
    """The zapros module ``dotted`` names or is a name in (``zapros.tickets.models`` for
    ``zapros.tickets.models.Ticket``); None outside zapros."""
    parts = dotted.split(".")
    while parts:
        if ".".join(parts) in modules():
            return ".".join(parts)
        parts.pop()
    return None


def module_graph(*, deferred: bool) -> dict[str, set[str]]:
    """Who imports whom, module by module. Importing ``a.b.c`` also runs the packages ``a``
    and ``a.b``, so they count as imported too, except the importer's own packages: Python has
    started them before the importer runs, so they never close a cycle through it."""
    graph = defaultdict(set)
    for imp in all_imports():
        if imp.deferred and not deferred:
            continue
        target = module_of(imp.target)
        if target is None or app_of(imp.module) is None:
            continue
        own_packages = {imp.module.rsplit(".", n)[0] for n in range(imp.module.count("."))}
        parts = target.split(".")
        for n in range(2, len(parts) + 1):
            name = ".".join(parts[:n])
            if name in modules() and name != imp.module and name not in own_packages:
                graph[imp.module].add(name)
    return graph


def cycles_in(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle for each strongly connected group of two or more modules (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycles_between_modules():
    assert cycles_in(module_graph(deferred=False)) == []


def test_deferred_imports_close_only_the_listed_cycles():
    graph = module_graph(deferred=True)
    for source, target in DEFERRED_CYCLE_IMPORTS:
        assert target in graph[source], f"{source} no longer imports {target}: drop the entry"
        graph[source].discard(target)
    assert cycles_in(graph) == []


def test_the_listed_cycles_are_cycles():
    # Each listed import closes a cycle, or it would not need to wait for a call.
    graph = module_graph(deferred=True)
    for source, target in DEFERRED_CYCLE_IMPORTS:
        assert any({source, target} <= set(group) for group in cycles_in(graph))


def test_cycles_are_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles_in(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    ("source", "deferred"),
    [
        ("from . import tasks", False),
        ("import zapros.notify.tasks", False),
        ("def later():\n    from . import tasks", True),
        ("class A:\n    def later(self):\n        import zapros.notify.tasks", True),
        ("if True:\n    from .tasks import send_mail", False),
    ],
)
def test_the_resolver_tells_deferred_imports(source, deferred):
    found = parse_imports("zapros.notify.outbox", source)
    assert found
    assert {imp.deferred for imp in found} == {deferred}


# --- The interfaces hold no rules -----------------------------------------------------------

# Views, endpoints, forms, admin actions and commands parse, call one operation or selector,
# and render. Who may do what is asked of a policy, what the state machine allows of the
# policies and services, and every write goes through an operation, in its transaction.
INTERFACE_PACKAGES = ("zapros.web", "zapros.api")
# Attributes that spell a role: a rule written with them belongs in a policy.
ROLE_ATTRIBUTES = {"role", "is_overseer", "is_staff_member", "is_client", "is_admin"}
ROLE_NAMES = {"Role", "STAFF_ROLES"}
# The shared predicates an interface may ask, to choose its area (the staff workspace or the
# portal) and the shape of its answer (staff or client fields). What a role may do is not
# among them: that is a policy's.
ROLE_PREDICATES_ALLOWED = {"roles.is_staff_viewer", "roles.is_client"}
STATE_TABLE = {"next_state", "allowed_actions", "after_merge_in", "TRANSITIONS", "REFUSALS",
               "REOPEN"}
TRANSACTIONS = {"atomic", "on_commit", "select_for_update", "savepoint"}
ORM_WRITES = {"save", "create", "delete", "bulk_create", "bulk_update", "get_or_create",
              "update_or_create", "create_user", "create_superuser"}
# Query methods whose keywords are look-ups: ``role__in=`` there is a role check.
LOOKUPS = {"filter", "exclude", "get", "Q", "get_or_create", "update_or_create", "first"}
# ``update`` writes only when called with keywords (``QuerySet.update(state=…)``); a dict's
# ``update({...})`` takes a mapping.
KEYWORD_WRITES = {"update"}

# Modules under the interfaces that are not interface code, each with why.
NOT_INTERFACES = {
    # The API token's own model: its rows are written by its own methods (issue, note_use,
    # revoke), which the authentication, the admin and the command call.
    "zapros.api.models",
}
# Rules still in interfaces, being moved into the domain right now. Each entry is
# (module, top-level function or class, kind); the list empties as they land, and an entry
# that no longer matches fails below, so it cannot outlive its rule.
# Spots allowed to break the rule for a while, each with why; empty now.
KNOWN_INTERFACE_RULES: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class RuleBreak:
    module: str
    scope: str    # the top-level function or class it is in, or "<module>"
    kind: str     # role, state table, transaction, orm write
    line: int
    text: str

    def __str__(self):
        return f"{self.module}:{self.line} ({self.scope}) {self.kind}: {self.text}"


def dotted(node: ast.expr) -> str:
    """``roles.is_client`` for that attribute chain; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def interface_rule_breaks(name: str, source: str) -> list[RuleBreak]:
    """Role checks, state-table look-ups, transactions and ORM writes in ``source``."""
    tree = ast.parse(source)
    scope_of = {}
    for top in tree.body:
        label = getattr(top, "name", "<module>")
        for node in ast.walk(top):
            scope_of[id(node)] = label
    decorators = {id(node) for top in ast.walk(tree)
                  for decorator in getattr(top, "decorator_list", ())
                  for node in ast.walk(decorator)}
    # ``role=user.role``: a field copied into an answer, not a decision.
    copied = {id(kw.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
              for kw in node.keywords
              if isinstance(kw.value, ast.Attribute) and kw.arg == kw.value.attr}
    found = []

    def add(node, kind):
        found.append(RuleBreak(name, scope_of.get(id(node), "<module>"), kind, node.lineno,
                               ast.unparse(node)[:80]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if (node.attr in ROLE_ATTRIBUTES and id(node) not in copied
                    and dotted(node) not in ROLE_PREDICATES_ALLOWED):
                add(node, "role")
            elif node.attr in STATE_TABLE:
                add(node, "state table")
            elif node.attr in TRANSACTIONS or node.attr == "transaction":
                add(node, "transaction")
        elif isinstance(node, ast.Name):
            if node.id in ROLE_NAMES:
                add(node, "role")
            elif node.id in STATE_TABLE:
                add(node, "state table")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name in ROLE_NAMES or alias.name in {"is_overseer", "is_admin"}:
                    add(node, "role")
                elif alias.name in STATE_TABLE:
                    add(node, "state table")
                elif alias.name in {"transaction", "django.db.transaction"} or (
                        alias.name in TRANSACTIONS):
                    add(node, "transaction")
        elif isinstance(node, ast.Call) and dotted(node.func).rpartition(".")[2] in LOOKUPS:
            for kw in node.keywords:
                if kw.arg and "role" in kw.arg.split("__"):
                    found.append(RuleBreak(name, scope_of.get(id(node), "<module>"), "role",
                                           node.lineno, f"{kw.arg}=…"))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and id(node) not in decorators):
            method = node.func.attr
            if method in ORM_WRITES or (method in KEYWORD_WRITES and node.keywords):
                add(node, "orm write")
    return found


@cache
def interface_modules() -> tuple[str, ...]:
    return tuple(
        name for name in modules()
        if name.startswith(INTERFACE_PACKAGES) and name not in NOT_INTERFACES
        and not {"tests", "migrations"} & set(name.split("."))
    )


@cache
def all_interface_rule_breaks() -> tuple[RuleBreak, ...]:
    return tuple(
        found for name in interface_modules()
        for found in interface_rule_breaks(name, modules()[name].read_text(encoding="utf-8"))
    )


def test_the_interfaces_are_really_read():
    names = interface_modules()
    assert "zapros.web.staff.views" in names and "zapros.api.routers.tickets" in names
    assert "zapros.api.auth" in names and "zapros.api.admin" in names
    assert not any(".tests" in name or ".migrations" in name for name in names)


def test_interfaces_hold_no_rules():
    wrong = [str(found) for found in all_interface_rule_breaks()
             if (found.module, found.scope, found.kind) not in KNOWN_INTERFACE_RULES]
    assert wrong == []


def test_every_known_interface_rule_is_still_there():
    # When one of them moves into the domain, its entry goes too.
    seen = {(found.module, found.scope, found.kind) for found in all_interface_rule_breaks()}
    assert sorted(KNOWN_INTERFACE_RULES - seen) == []


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("if request.user.is_overseer:\n    pass", "role"),
        ("x = user.is_client and 1", "role"),
        ("ok = user.role == 'admin'", "role"),
        ("from zapros.accounts.models import Role", "role"),
        ("from zapros.accounts.roles import is_overseer", "role"),
        ("ok = roles.is_overseer(user)", "role"),
        ("User.objects.filter(role__in=['agent'])", "role"),
        ("User.objects.filter(membership__role='agent')", "role"),
        ("ok = states.next_state(s, a)", "state table"),
        ("from zapros.tickets.states import allowed_actions", "state table"),
        ("ok = (s, a) in TRANSITIONS", "state table"),
        ("from django.db import transaction", "transaction"),
        ("def v():\n    with transaction.atomic():\n        pass", "transaction"),
        ("from django.db.transaction import atomic", "transaction"),
        ("t = Ticket.objects.select_for_update()", "transaction"),
        ("request.user.save(update_fields=['language'])", "orm write"),
        ("Token.objects.filter(pk=1).update(last_used_at=now)", "orm write"),
        ("Token.objects.filter(pk=1).update(**changes)", "orm write"),
        ("Client.objects.create(user=u)", "orm write"),
        ("form.save()", "orm write"),
        ("ticket.delete()", "orm write"),
        ("Share.objects.bulk_create(rows)", "orm write"),
        ("User.objects.get_or_create(email=e)", "orm write"),
    ],
)
def test_the_rule_reader_sees_rules_written_any_way(source, kind):
    assert kind in {found.kind for found in interface_rule_breaks("zapros.web.x", source)}


@pytest.mark.parametrize(
    "source",
    [
        "ok = roles.is_staff_viewer(request.user)",
        "ok = roles.is_client(request.user)",
        "out = MeOut(role=user.role)",
        "attrs.update({'type': 'search'})",
        "@router.delete('/tickets/{number}/cc')\ndef remove(request):\n    pass",
        "ok = policies.may_split_from(user, ticket, message, first_id)",
        "ok = ticket.is_on_hold",
    ],
)
def test_the_rule_reader_lets_interface_code_be(source):
    assert interface_rule_breaks("zapros.web.x", source) == []


def test_a_rule_break_names_its_scope():
    source = "import x\n\ndef view(request):\n    request.user.save()\n"
    (found,) = interface_rule_breaks("zapros.web.x", source)
    assert (found.scope, found.kind, found.line) == ("view", "orm write", 4)


# Templates draw from ``can`` and from the ticket's own flags; a state or a role compared in a
# template is a rule the server does not know about.
TEMPLATE_DIRS = [ROOT / "web" / "templates"]
TEMPLATE_TAG = re.compile(r"{%-?\s*(?:if|elif)\b(.*?)-?%}", re.S)
TEMPLATE_ROLE = re.compile(r"\.(?:role|is_overseer|is_staff_member|is_client)\b")
TEMPLATE_HOLDER = re.compile(r"\bholder(?:_id)?\s*(?:==|!=)")


@cache
def state_values() -> frozenset[str]:
    """The values of ``State`` in tickets/states.py, read from its source."""
    tree = ast.parse((ROOT / "tickets" / "states.py").read_text(encoding="utf-8"))
    (state,) = [node for node in tree.body
                if isinstance(node, ast.ClassDef) and node.name == "State"]
    return frozenset(node.value.value for node in state.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant))


def template_rule_breaks(text: str) -> list[str]:
    """The ``{% if %}`` conditions of ``text`` that compare a ticket's state or holder, or read
    a role. A state is found by its name: a literal alone could be anything ("new" is also a
    section of the portal)."""
    compared_state = re.compile(r"\bstate\s*(?:==|!=|\bin\b)|(?:==|!=)\s*[\w.]*\bstate\b")
    found = []
    for match in TEMPLATE_TAG.finditer(text):
        condition = match.group(1)
        if (compared_state.search(condition) or TEMPLATE_ROLE.search(condition)
                or TEMPLATE_HOLDER.search(condition)):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {match.group(0)}")
    return found


def test_the_states_are_read_from_their_module():
    assert {"new", "on_hold", "archived"} <= state_values()


def test_templates_compare_no_states_and_no_roles():
    wrong = [
        f"{path.relative_to(ROOT)} {found}"
        for directory in TEMPLATE_DIRS
        for path in sorted(directory.rglob("*.html"))
        for found in template_rule_breaks(path.read_text(encoding="utf-8"))
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ('{% if ticket.state == "on_hold" %}x{% endif %}', True),
        ("{% elif 'archived' != ticket.state %}", True),
        ("{% if ticket.state == held_state %}", True),
        ("{% if user.is_overseer %}", True),
        ("{% if ticket.holder_id == user.pk %}", True),
        ("{% if can.take %}", False),
        ("{% if ticket.is_on_hold %}", False),
        ('{% if nav == "queue" %}', False),
        ('{% if result.kind == "empty" %}', False),
        ('<span class="on_hold">{{ ticket.state_label }}</span>', False),
    ],
)
def test_the_template_reader_sees_compared_states(text, broken):
    assert bool(template_rule_breaks(text)) is broken
