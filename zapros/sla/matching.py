"""Which SLA policy a ticket falls under: the first active one by position whose conditions
all hold, else the default. Pure: the policies come compiled (:class:`Rule`), the ticket as
:class:`Facts`."""

from collections.abc import Iterable
from dataclasses import dataclass

from .clocks import Targets


@dataclass(frozen=True, slots=True)
class Facts:
    """What the conditions look at."""

    department_id: int | None
    topic_id: int | None
    priority: int
    type: str
    client_id: int | None
    service_kind: str | None
    channel: str
    # The client's groups; read only when some policy asks for groups.
    client_groups: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Rule:
    """A policy's conditions (empty sets match anything) and its targets."""

    targets: Targets
    is_default: bool = False
    departments: frozenset[int] = frozenset()
    topics: frozenset[int] = frozenset()
    clients: frozenset[int] = frozenset()
    priorities: frozenset[int] = frozenset()
    types: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    service_kinds: frozenset[str] = frozenset()
    client_groups: frozenset[int] = frozenset()

    def matches(self, facts: Facts) -> bool:
        if self.client_groups and not self.client_groups & facts.client_groups:
            return False
        return all(not wanted or value in wanted for wanted, value in (
            (self.departments, facts.department_id),
            (self.topics, facts.topic_id),
            (self.clients, facts.client_id),
            (self.priorities, facts.priority),
            (self.types, facts.type),
            (self.channels, facts.channel),
            (self.service_kinds, (facts.service_kind or "").casefold()),
        ))


def first_match(rules: Iterable[Rule], facts: Facts) -> Rule | None:
    """The first rule (in the order given) that matches; the default rule, wherever it
    stands, only when none does. None when there is no rule at all."""
    default = None
    for rule in rules:
        if rule.is_default:
            default = default or rule
        elif rule.matches(facts):
            return rule
    return default
