"""Django admin for mail gateways (the password is typed, stored encrypted) and a read-only
view of the mail received."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import secrets
from .models import InboundMail, MailGateway


class GatewayAdminForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the current password."),
    )

    class Meta:
        model = MailGateway
        fields = ("name", "protocol", "host", "port", "security", "login", "password",
                  "folder", "address", "department", "poll_interval", "enabled", "pop3_mode")

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and not self.instance.password_encrypted:
            raise forms.ValidationError(_("Enter the mailbox password."))
        return password

    def save(self, commit=True):
        gateway = super().save(commit=False)
        if self.cleaned_data.get("password"):
            gateway.password_encrypted = secrets.encrypt(self.cleaned_data["password"])
        gateway.address = gateway.address.strip().lower()
        if commit:
            gateway.save()
        return gateway


@admin.register(MailGateway)
class MailGatewayAdmin(admin.ModelAdmin):
    form = GatewayAdminForm
    list_display = ("name", "address", "protocol", "host", "department", "enabled",
                    "last_success_at", "last_error")
    list_filter = ("enabled", "protocol", "department")
    list_select_related = ("department",)
    readonly_fields = ("last_polled_at", "last_success_at", "last_error", "imported_count",
                       "incoming_count", "auto_count", "duplicate_count", "throttled_count")


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "gateway", "sender", "subject", "status", "ticket")
    list_filter = ("status", "gateway")
    list_select_related = ("gateway", "ticket")
    search_fields = ("sender", "subject", "message_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
