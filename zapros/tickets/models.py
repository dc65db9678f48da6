from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Department
from zapros.clients.models import Client, Service
from zapros.core import clock

from . import states
from .states import State


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    WISH = "wish", _("Wish")
    BUG = "bug", _("Bug")
    INCIDENT = "incident", _("Incident")


CLIENT_TICKET_TYPES = (TicketType.QUESTION, TicketType.WISH, TicketType.BUG)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Topic(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name=_("default department"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class TicketCounter(models.Model):
    """One row holding the last ticket number handed out (see services.numbering)."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.value)


class Ticket(models.Model):
    number = models.PositiveBigIntegerField(_("number"), unique=True)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("client")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="tickets",
        verbose_name=_("department"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    title = models.CharField(
        _("staff title"), max_length=200, blank=True, help_text=_("Only staff see this.")
    )
    type = models.CharField(
        _("type"), max_length=16, choices=TicketType.choices, default=TicketType.QUESTION
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("topic")
    )
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets",
        verbose_name=_("service"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    state = models.CharField(
        _("state"), max_length=16, choices=[(s.value, s.label) for s in State],
        default=State.NEW,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_tickets", verbose_name=_("assignee"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="held_tickets", verbose_name=_("held by"),
    )
    held_at = models.DateTimeField(null=True, blank=True)
    # How the request came in: SLA policies may depend on it.
    channel = models.CharField(_("channel"), max_length=10, default="web")
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("last activity"), default=clock.now)
    # The last change the client can see (a public message, a status they see). Client pages
    # show and sort by this, so that internal work leaves no trace on their side.
    client_activity_at = models.DateTimeField(_("last update"), default=clock.now)
    # Denormalised from the conversation so that the queue sorts and filters on indexes.
    last_public_from_client = models.BooleanField(default=True)
    needs_reply = models.BooleanField(_("needs reply"), default=True)
    # The client's oldest public message still waiting for our answer (conversation.Flags).
    waiting_since = models.DateTimeField(null=True, blank=True)
    # The due time of the live response clock (zapros.tickets.deadlines writes it), for the
    # queue's order; None while nothing is due or the clock is paused.
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    # A clock of the current round was breached: the answer came late, or the resolution is
    # overdue (the "answered but overdue" marker).
    late = models.BooleanField(_("late"), default=False)
    last_staff_public_at = models.DateTimeField(null=True, blank=True)
    client_seen_at = models.DateTimeField(null=True, blank=True)
    # Split and merge (services.restructure): where the conversation came from or went.
    split_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="split_off",
        verbose_name=_("split from"),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_in",
        verbose_name=_("merged into"),
    )
    # While on hold: why, and when it goes back into work by itself (a date in the agent's
    # zone; ``resume_at`` is its first moment there, what the periodic resume looks at).
    hold_reason = models.CharField(_("reason for the hold"), max_length=500, blank=True)
    resume_on = models.DateField(_("resume on"), null=True, blank=True)
    resume_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(
                fields=["department", "state", "-needs_reply", "reply_due_at"],
                name="ticket_dept_queue",
            ),
            # The queue's order (selectors.QUEUE_KEYS) column for column, so that a page is
            # read off an index in order: one for the working queue (most tickets are
            # archived, so it stays small), one for lists that include the archive.
            models.Index(fields=["-needs_reply", "reply_due_at", "-updated_at", "-id"],
                         name="ticket_queue_active", condition=~models.Q(state="archived")),
            models.Index(fields=["-needs_reply", "reply_due_at", "-updated_at", "-id"],
                         name="ticket_queue_all"),
            models.Index(fields=["client", "state", "-client_activity_at"],
                         name="ticket_client_list"),
            # A client's requests in the order of their pages (selectors.CLIENT_KEYS): a page
            # is read in order whatever the client's size, by a plan made for any client.
            models.Index(fields=["client", "-client_activity_at", "-number"],
                         name="ticket_client_activity"),
            models.Index(fields=["holder", "state"], name="ticket_holder"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee"),
            models.Index(fields=["client", "-number"], name="ticket_client_newest"),
            models.Index(fields=["resume_at"], name="ticket_resume_due",
                         condition=models.Q(resume_at__isnull=False)),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    # Flags and statuses: the rules are in states.py, these only feed them.
    @property
    def is_overdue(self) -> bool:
        return states.is_overdue(self.needs_reply, self.reply_due_at, clock.now())

    @property
    def marker(self) -> states.Marker | None:
        """Which of the five marks the request bears (states.marker)."""
        return states.marker(self.state, self.needs_reply, self.reply_due_at, self.late,
                             clock.now())

    @property
    def client_unread(self) -> bool:
        return states.client_unread(self.last_staff_public_at, self.client_seen_at)

    @property
    def client_status(self) -> states.ClientStatus:
        return states.client_status(self.state, self.client_unread)

    @property
    def staff_status(self) -> states.StaffStatus:
        return states.staff_status(self.state)

    @property
    def days_in_work(self) -> int:
        return states.days_in_work(self.created_at, clock.now())

    @property
    def state_label(self):
        return State(self.state).label

    @property
    def is_on_hold(self) -> bool:
        return self.state == State.ON_HOLD

    @property
    def is_archived(self) -> bool:
        return self.state == State.ARCHIVED

    def state_after(self, action) -> State:
        """The state ``action`` leaves the ticket in, held or not as it is now. Raises
        InvalidTransition when the table has no such move."""
        return states.next_state(self.state, action, held=self.holder_id is not None)

    @property
    def staff_heading(self) -> str:
        """What staff read as the request's name: the staff title, else the client's subject."""
        return self.title or self.subject


class Message(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        INTERNAL = "internal", _("Internal comment")

    class AuthorKind(models.TextChoices):
        CLIENT = "client", _("Client")
        STAFF = "staff", _("Staff")
        SYSTEM = "system", _("System")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EMAIL = "email", _("E-mail")
        API = "api", _("API")
        TELEGRAM = "telegram", _("Telegram")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    author_kind = models.CharField(max_length=8, choices=AuthorKind.choices)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    body = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(default=clock.now)
    email_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # A mail's HTML as the sanitiser left it (zapros.core.html), shown as "formatted"; None
    # for everything else (a client's words are never edited, so it stays true to the text).
    body_html = models.TextField(null=True, blank=True, editable=False)
    # What the conversation shows, rendered once when the text is written or edited
    # (zapros.tickets.rendering); None for messages written before there was one.
    rendered = models.TextField(null=True, blank=True, editable=False)
    # Set by services.editing; the earlier texts are its MessageRevisions.
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_timeline")]

    def __str__(self):
        return f"{self.ticket_id}/{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_internal(self) -> bool:
        return self.visibility == self.Visibility.INTERNAL

    @property
    def from_staff(self) -> bool:
        return self.author_kind == self.AuthorKind.STAFF

    @property
    def from_client(self) -> bool:
        return self.author_kind == self.AuthorKind.CLIENT

    @property
    def files(self) -> list["Attachment"]:
        """The message's attachments in the order they came. The pages' selectors read those
        of every message at once into ``prefetched_files`` (a list: a related manager per
        message costs more than the query); a message read alone reads its own."""
        prefetched = self.__dict__.get("prefetched_files")
        if prefetched is not None:
            return prefetched
        return list(self.attachments.all())


class MessageRevision(models.Model):
    """The text a message had before one edit. Staff only; never deleted."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["edited_at", "id"]
        indexes = [models.Index(fields=["message", "edited_at", "id"], name="revision_history")]

    def __str__(self):
        return f"{self.message_id} @ {self.edited_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    # The stored name never comes from the uploader.
    return f"attachments/{clock.now():%Y/%m}/{instance.sha256[:2]}/{instance.storage_key}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    storage_key = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/gif", "image/jpeg"}


class Rating(models.Model):
    class Value(models.TextChoices):
        GOOD = "good", _("Good")
        BAD = "bad", _("Bad")

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="rating")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="ratings")
    value = models.CharField(max_length=4, choices=Value.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self):
        return f"{self.message_id}: {self.value}"


class Share(models.Model):
    """The ticket is active in another department or with a named agent as well (transfer)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="shares")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="shared_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False) | models.Q(agent__isnull=False),
                name="share_has_target",
            )
        ]
        indexes = [
            models.Index(fields=["agent", "ticket"], name="share_agent"),
            models.Index(fields=["department", "ticket"], name="share_department"),
        ]

    def __str__(self):
        return f"{self.ticket_id} → {self.department_id or self.agent_id}"


class Event(models.Model):
    """Append-only audit of everything that happened to a ticket."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TAKEN = "taken", _("Taken")
        REPLIED = "replied", _("Replied")
        COMMENTED = "commented", _("Internal comment added")
        CLIENT_REPLIED = "client_replied", _("Client replied")
        CLOSED = "closed", _("Answered and closed")
        PARAMETERS = "parameters", _("Parameters changed")
        FROZEN = "frozen", _("Put on hold")
        RESUMED = "resumed", _("Resumed")
        RESOLVED = "resolved", _("Marked as solved")
        ARCHIVED = "archived", _("Archived")
        REOPENED = "reopened", _("Reopened")
        UNLOCKED = "unlocked", _("Unlocked")
        REASSIGNED = "reassigned", _("Reassigned")
        RATED = "rated", _("Rated")
        TRANSFERRED = "transferred", _("Transferred")
        MESSAGE_EDITED = "message_edited", _("Message edited")
        SPLIT = "split", _("Split into a new request")
        SPLIT_FROM = "split_from", _("Split off from another request")
        MERGED = "merged", _("Merged into another request")
        MERGED_IN = "merged_in", _("Another request merged in")
        FOLLOWED = "followed", _("Followed")
        UNFOLLOWED = "unfollowed", _("Unfollowed")
        CC_ADDED = "cc_added", _("Copy address added")
        CC_REMOVED = "cc_removed", _("Copy address removed")
        MAIL_RETRIED = "mail_retried", _("Mail sent again")
        SLA_CHANGED = "sla_changed", _("SLA changed")
        SLA_WARNING = "sla_warning", _("SLA deadline near")
        SLA_BREACHED = "sla_breached", _("SLA deadline passed")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_timeline")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind}"

    @property
    def by_staff(self) -> bool:
        """Whether a staff member acted (the history words it "Gary transferred…" rather than
        "Alice wrote…"); the system and clients are not staff."""
        return self.actor is not None and self.actor.is_staff_member


class Follower(models.Model):
    """A staff member who gets mail about a ticket's conversation while they can see it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="follower_unique")
        ]

    def __str__(self):
        return f"{self.ticket_id} ← {self.user_id}"


class CcAddress(models.Model):
    """An address the client wants in copy of support's public replies (the Cc of the mail)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cc_addresses")
    email = models.EmailField(_("e-mail"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "email"], name="cc_address_unique")
        ]

    def __str__(self):
        return self.email


class ResponseTemplate(models.Model):
    """A canned answer with placeholders, for all staff, one department or one agent.

    Neither ``department`` nor ``agent`` set means the template is for all staff.
    """

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("department"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="response_templates", verbose_name=_("agent"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True) | models.Q(agent__isnull=True),
                name="response_template_one_scope",
            )
        ]

    def __str__(self):
        return self.title
