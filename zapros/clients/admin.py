from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Role

from .models import Client, ClientGroup, Service


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ("name", "kind", "domain", "status", "external_id")


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("user", "company", "external_id", "groups", "internal_comment")

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.role != Role.CLIENT:
            raise forms.ValidationError(
                _("Choose an account with the role “client”; staff cannot be clients.")
            )
        return user


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    inlines = [ServiceInline]
    list_display = ("name", "email", "company", "external_id", "service_count", "registered")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__name", "company", "external_id")
    raw_id_fields = ("user",)
    filter_horizontal = ("groups",)
    ordering = ("user__email",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_count=Count("services"))

    def get_readonly_fields(self, request, obj=None):
        # The account a client signs in with never changes hands.
        return ("user",) if obj is not None else ()

    @admin.display(description=_("name"), ordering="user__name")
    def name(self, client):
        return client.name

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, client):
        return client.email

    @admin.display(description=_("services"), ordering="service_count")
    def service_count(self, client):
        return client.service_count

    @admin.display(description=_("registered"), ordering="user__date_joined")
    def registered(self, client):
        return client.user.date_joined


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "domain", "client", "status", "external_id")
    list_filter = ("status", "kind")
    list_select_related = ("client__user",)
    search_fields = ("name", "domain", "external_id", "client__user__email")
    raw_id_fields = ("client",)


@admin.register(ClientGroup)
class ClientGroupAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
