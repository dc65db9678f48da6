from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    # What background work acts as (see accounts.system): never signs in, never in staff lists.
    SYSTEM = "system", _("System")


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
OVERSEER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", Role.CLIENT)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.ADMIN, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class FontFamily(models.TextChoices):
    SANS = "sans", _("System sans-serif")
    SERIF = "serif", _("Serif")
    MONO = "mono", _("Monospace")


FONT_SIZE_MIN, FONT_SIZE_MAX, FONT_SIZE_DEFAULT = 12, 20, 15


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who signs in: clients and staff. ``role`` decides which side they are on."""

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CLIENT)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("registered"), default=django_timezone.now)
    # Staff: how the ticket page reads for them (see accounts.services.update_display).
    font_family = models.CharField(
        _("font"), max_length=8, choices=FontFamily.choices, default=FontFamily.SANS
    )
    font_size = models.PositiveSmallIntegerField(_("font size"), default=FONT_SIZE_DEFAULT)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # Staff search finds a client by name in any case (tickets.search).
            models.Index(Upper("name"), name="user_name_upper"),
            # The staff lists of the workspace's forms, among tens of thousands of clients.
            models.Index(fields=["role"], name="user_role"),
        ]

    def __str__(self):
        return self.name or self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access: administrators only."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_overseer(self) -> bool:
        """Supervisors and administrators see every department and may reassign and unlock."""
        return self.role in OVERSEER_ROLES

    @property
    def display_name(self) -> str:
        return self.name or self.email


def default_response_deadline():
    """Departments' response deadline before SLA policies replaced it (old migrations)."""
    return timedelta(days=3)


class Department(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    in_support_center = models.BooleanField(
        _("in the support center"),
        default=True,
        help_text=_("Clients may choose this department when they open a request."),
    )
    outgoing_email = models.EmailField(_("outgoing address"), blank=True)
    clients_choose_priority = models.BooleanField(
        _("clients choose the priority"),
        default=False,
        help_text=_("Clients may set the priority of a request they open here; otherwise "
                    "support sets it."),
    )
    members = models.ManyToManyField(
        User, related_name="departments", blank=True, verbose_name=_("staff"),
        limit_choices_to={"role__in": sorted(r.value for r in STAFF_ROLES)},
    )
    show_due_to_clients = models.BooleanField(
        _("show clients when we will answer"),
        default=False,
        help_text=_("The portal tells the client by when the answer is due."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name
