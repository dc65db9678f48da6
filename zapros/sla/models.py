"""What an administrator configures (calendars, policies) and the clocks they set on tickets.

A calendar's working hours are kept as spans of minutes (:mod:`.businesstime`); a policy's
conditions as lists and links, empty meaning "any". A clock is one target of one ticket:
first response, next response (one per wait for our answer) or resolution. Clocks are rows,
never fields edited on the ticket, so that each one can say why it is due when it is; the
ticket keeps only the earliest running response deadline, for the queue's order.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Department
from zapros.clients.models import Client, ClientGroup
from zapros.core import clock


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


RESPONSE_METRICS = frozenset({Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE})


class BusinessCalendar(models.Model):
    """Working hours in a time zone, with holidays and extra working days."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    always_open = models.BooleanField(
        _("around the clock"), default=False,
        help_text=_("Every hour of every day is working time; the hours below are ignored."),
    )
    # Seven lists of [start, end] minutes since local midnight, Monday first.
    week = models.JSONField(_("working hours"), default=list, blank=True)
    # Bumped by every change of the calendar or its days, so that processes that keep the
    # calendar in memory know when to read it again.
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self):
        return self.name


class CalendarDay(models.Model):
    """A day that differs from the calendar's week: a holiday (whole, or some hours of it
    closed) or an extra working day with its own hours."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKING = "working", _("Working day")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="days",
        verbose_name=_("calendar"),
    )
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices,
                            default=Kind.HOLIDAY)
    # A holiday: the closed spans, empty for the whole day. A working day: its working spans.
    spans = models.JSONField(_("hours"), default=list, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("holidays and working days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="calendar_day_once"),
        ]

    def __str__(self):
        return f"{self.day} {self.name}".strip()


class Policy(models.Model):
    """Targets for the tickets its conditions match; the first active policy by position wins,
    and the default policy matches what no other does."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default policy"), default=False,
        help_text=_("Applies to every request no other policy matches."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, null=True, blank=True,
        related_name="policies", verbose_name=_("calendar"),
        help_text=_("Empty: the targets are counted around the clock."),
    )
    # Conditions: each empty one matches anything.
    departments = models.ManyToManyField(Department, blank=True, related_name="+",
                                         verbose_name=_("departments"))
    topics = models.ManyToManyField("tickets.Topic", blank=True, related_name="+",
                                    verbose_name=_("topics"))
    clients = models.ManyToManyField(Client, blank=True, related_name="+",
                                     verbose_name=_("clients"))
    client_groups = models.ManyToManyField(ClientGroup, blank=True, related_name="+",
                                           verbose_name=_("client groups"))
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    types = models.JSONField(_("request types"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    service_kinds = models.JSONField(_("service kinds"), default=list, blank=True)
    # Targets: business time in the calendar; empty means not tracked.
    first_response = models.DurationField(_("first response"), null=True, blank=True)
    next_response = models.DurationField(_("next response"), null=True, blank=True)
    resolution = models.DurationField(_("resolution"), null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at this per cent of the target"), default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    # Which targets stop counting while the ticket is on hold, and while it waits for the
    # client (answered or solved). A client's message always ends the wait for the client.
    pause_on_hold = models.JSONField(_("paused on hold"), default=list, blank=True)
    pause_awaiting_client = models.JSONField(_("paused while awaiting the client"),
                                             default=list, blank=True)

    class Meta:
        ordering = ["is_default", "position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="sla_policy_one_default"),
        ]

    def __str__(self):
        return self.name

    def target(self, metric: str):
        return getattr(self, metric)


class Revision(models.Model):
    """One row that every change of the SLA configuration (policies, calendars) sets to a new
    value: processes that keep the compiled policies in memory compare it before they use
    them."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.value)


class Clock(models.Model):
    """One target of one ticket, from its start to its end."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="clocks", verbose_name=_("ticket"))
    metric = models.CharField(_("target"), max_length=16, choices=Metric.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.RUNNING)
    policy = models.ForeignKey(Policy, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("policy"))
    # What the clock was set with, kept so that it explains itself after the policy changes.
    policy_name = models.CharField(_("policy"), max_length=120, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("calendar"))
    target = models.DurationField(_("target"))
    started_at = models.DateTimeField(_("started"))
    # None while paused.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    # The next later rung of the department's escalation ladder, while one is left.
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    # When it was met or cancelled: a clock is live until then. A breached clock is still
    # live until it is answered late, and keeps its state.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # [[from, to or null, why], ...] as ISO instants: the pauses, the last one open while paused.
    pauses = models.JSONField(default=list, blank=True)
    # Business time paused (closed pauses), and, once ended, the business time it took from
    # its start without the pauses: what the reports add up.
    paused = models.DurationField(_("paused"), default=timedelta(0))
    took = models.DurationField(_("took"), null=True, blank=True)
    # Why it started and why it ended (codes the pages turn into words), with their data.
    reason = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=clock.now)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+",
                              help_text=_("Who met it: the author of the answer."))

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["ticket", "metric", "started_at"], name="clock_ticket"),
            # The escalation sweep: running clocks by the moment they cross a threshold.
            models.Index(fields=["due_at"], name="clock_running_due",
                         condition=models.Q(state="running")),
            models.Index(fields=["warn_at"], name="clock_running_warn",
                         condition=models.Q(state="running", warned_at__isnull=True)),
            models.Index(fields=["next_escalation_at"], name="clock_next_escalation",
                         condition=models.Q(next_escalation_at__isnull=False)),
            # The report: what ended in a period, and what is breached and not yet met.
            models.Index(fields=["started_at", "metric"], name="clock_started"),
            models.Index(fields=["ended_at", "metric"], name="clock_ended",
                         condition=models.Q(ended_at__isnull=False)),
            models.Index(fields=["due_at"], name="clock_breached_live",
                         condition=models.Q(state="breached", ended_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric"], name="clock_one_live_per_target",
                condition=models.Q(ended_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.metric} {self.state}"


class EscalationStep(models.Model):
    """Who is told when a clock of a department's ticket nears or passes its due time: the
    steps of its ladder. A department without steps follows the ladder of all departments
    (steps without a department); without any, the ticket's assignee is warned and the
    assignee and the department's supervisors are told of a breach."""

    class When(models.TextChoices):
        WARNING = "warning", _("Deadline near")
        BREACH = "breach", _("Deadline passed")

    class Who(models.TextChoices):
        ASSIGNEE = "assignee", _("The assignee")
        SUPERVISORS = "supervisors", _("The department's supervisors")
        ADMINS = "admins", _("Administrators")

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("department"), help_text=_("Empty: every department without its own."),
    )
    when = models.CharField(_("when"), max_length=8, choices=When.choices)
    who = models.CharField(_("who is told"), max_length=12, choices=Who.choices)
    # For a breach: how long after the due time (a later rung of the ladder).
    after = models.DurationField(_("after"), default=timedelta(0),
                                 help_text=_("For a breach: how long after the due time."))

    class Meta:
        ordering = ["department_id", "when", "after", "id"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        constraints = [
            models.UniqueConstraint(fields=["department", "when", "who", "after"],
                                    name="escalation_step_once"),
        ]

    def __str__(self):
        return f"{self.get_when_display()}: {self.get_who_display()}"
