"""Django admin for the ticket dictionaries, and a read-only view of tickets.

Tickets change only through the workspace, the API and mail, which go through
``zapros.tickets.services`` and leave an event for every change; the admin only shows them.
Messages are never deleted, events are an append-only audit: nothing here deletes either.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import sla_admin  # noqa: F401  (registers the service levels' pages)
from .models import Event, Message, Ticket, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "active")
    list_editable = ("active",)
    list_filter = ("active", "department")
    list_select_related = ("department",)
    search_fields = ("name",)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "author", "author_kind", "visibility", "channel", "body")
    readonly_fields = fields
    verbose_name = _("message")
    verbose_name_plural = _("messages")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class EventInline(ReadOnlyInline):
    model = Event
    fields = ("created_at", "actor", "kind", "data")
    readonly_fields = fields
    verbose_name = _("event")
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "client", "department", "state", "assignee",
                    "holder", "needs_reply", "reply_due_at", "updated_at")
    list_display_links = ("number", "subject")
    list_filter = ("state", "department", "type", "priority", "needs_reply")
    list_select_related = ("client__user", "department", "assignee", "holder")
    search_fields = ("=number", "subject", "title", "client__user__email", "client__user__name")
    date_hierarchy = "created_at"
    ordering = ("-updated_at",)
    inlines = [MessageInline, EventInline]
    raw_id_fields = ("client", "service", "assignee", "holder")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("topic", "service")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Search through every conversation, internal comments included."""

    list_display = ("created_at", "ticket", "author", "author_kind", "visibility", "channel")
    list_filter = ("visibility", "author_kind", "channel")
    list_select_related = ("ticket", "author")
    search_fields = ("body", "=ticket__number", "author__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    raw_id_fields = ("ticket", "author")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
