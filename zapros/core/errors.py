"""Errors raised by the domain layer.

Every interface turns these into its own shape: the web layer into form errors and flash
messages, the API into 404/403/409/422 answers through one handler. Messages are translatable
and written for the person who triggered them.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every refusal the domain layer gives. ``message`` is safe to show to the user."""

    status = 400
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing and invisible objects alike, so that ids cannot be probed."""

    status = 404
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(DomainError):
    """The object is in use by someone else (held by another agent, changed meanwhile)."""

    status = 409
    default_message = _("Someone else changed this first.")


class InvalidTransition(Conflict):
    """The action is not possible in the ticket's current state."""

    default_message = _("This action is not possible in the ticket's current state.")


class ValidationFailed(DomainError):
    """Input that cannot be accepted; ``field`` names the offending field where there is one."""

    status = 422
    default_message = _("The data is not valid.")


class RateLimited(DomainError):
    """Too many requests of one kind in a short time; the same request works again later."""

    status = 429
    default_message = _("Too many requests. Wait a little and try again.")

    def __init__(self, message=None, *, field: str | None = None,
                 retry_after: int | None = None):
        super().__init__(message, field=field)
        self.retry_after = retry_after   # seconds, when known (the API's Retry-After)
