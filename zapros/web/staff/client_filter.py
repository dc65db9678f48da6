""""Filter by this client": one client chosen in the workspace narrows every list in it until
it is cleared. The choice lives in the session; every list reads it through :func:`current`
and every workspace page shows it as a chip (:func:`context`)."""

from dataclasses import dataclass

from zapros.accounts import roles

SESSION_KEY = "zapros_client_filter"


@dataclass(frozen=True)
class ClientFilter:
    id: int
    name: str


def current(request) -> ClientFilter | None:
    """The client the workspace is narrowed to, if any. No query: the name is kept with it."""
    value = getattr(request, "session", {}).get(SESSION_KEY)
    if not isinstance(value, dict):
        return None
    try:
        return ClientFilter(id=int(value["id"]), name=str(value["name"]))
    except (KeyError, TypeError, ValueError):
        return None


def choose(request, client) -> None:
    request.session[SESSION_KEY] = {"id": client.pk, "name": client.name}


def clear(request) -> None:
    request.session.pop(SESSION_KEY, None)


def context(request) -> dict:
    """For the workspace's base template: the chip of the active client filter."""
    user = getattr(request, "user", None)
    if user is None or not roles.is_staff_viewer(user):
        return {}
    return {"client_filter": current(request)}
