"""The role predicates every policy builds on: one definition of "staff", "supervisor",
"administrator" and "client" for the tickets, the mail inbox, the gateways and the accounts.

They answer for the person signed in (or the token's user) and are False for anonymous and
deactivated users; ``is_system`` is the actor background work runs as (rules, sweeps).
"""

from .models import Role, User


def is_active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_staff_viewer(user: User) -> bool:
    """Active support staff: agents, supervisors and administrators."""
    return is_active(user) and user.is_staff_member


def is_overseer(user: User) -> bool:
    """Active supervisors and administrators: every department, reassigning, unlocking."""
    return is_staff_viewer(user) and user.is_overseer


def is_admin(user: User) -> bool:
    """Active administrators: configuration (gateways, departments, staff)."""
    return is_active(user) and user.role == Role.ADMIN


def is_client(user: User) -> bool:
    return is_active(user) and user.is_client


def is_system(user: User) -> bool:
    """The actor background work runs as: automatic archiving, resuming on a date, rules."""
    return is_active(user) and user.role == Role.SYSTEM


def may_see_reports(user: User) -> bool:
    """Supervisors and administrators: the reports add up every department's work and name
    each agent's, more than an agent may see of their colleagues."""
    return is_overseer(user)
