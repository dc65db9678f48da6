from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with ``manage.py create_api_token`` (the secret is shown only there);
    here they are reviewed and revoked."""

    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "key_prefix", "user__email", "user__name")
    list_select_related = ("user",)
    fields = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("name", "user", "key_prefix", "created_at", "last_used_at")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Revoked tokens stay, so that the record of who had access remains.
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.revoke()
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
