"""Django admin for people and departments. Passwords are always stored hashed: the forms below
are Django's own user forms, adapted to Zapros's e-mail login."""

from zoneinfo import available_timezones

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Department, User


def _clean_email(form) -> str:
    """E-mail is the login: stored in lower case and unique whatever its case."""
    email = User.objects.normalize_email(form.cleaned_data["email"]).lower()
    others = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        raise forms.ValidationError(_("A user with this e-mail already exists."))
    return email


def _clean_timezone(form) -> str:
    zone = form.cleaned_data["timezone"].strip()
    if zone not in available_timezones():
        raise forms.ValidationError(_("Enter a time zone such as Europe/Moscow or UTC."))
    return zone


class UserCreationForm(BaseUserCreationForm):
    """Django's creation form (two password fields, validators, hashing) for an e-mail login."""

    class Meta:
        model = User
        fields = ("email", "name", "role", "language", "timezone")

    def clean_email(self):
        return _clean_email(self)

    def clean_timezone(self):
        return _clean_timezone(self)


class UserChangeForm(DjangoUserChangeForm):
    """The password shows as its hash with a link to Django's change-password form."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return _clean_email(self)

    def clean_timezone(self):
        return _clean_timezone(self)


class DepartmentFilter(admin.SimpleListFilter):
    # Django's related-field filter would apply the members' role limit to departments.
    title = _("department")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Department.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(departments__pk=self.value())
        return queryset


class MembershipInline(admin.TabularInline):
    model = Department.members.through
    extra = 0
    verbose_name = _("department")
    verbose_name_plural = _("departments")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "language", "timezone")}),
        (_("Access"), {"fields": ("role", "is_active", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("email", "name", "role", "language", "timezone", "password1",
                       "password2"),
        }),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "name", "role", "language", "is_active", "last_login")
    list_filter = ("role", "is_active", "language", DepartmentFilter)
    search_fields = ("email", "name")
    ordering = ("email",)
    filter_horizontal = ()

    def get_inlines(self, request, obj):
        # Departments are for staff; a client's details live on the client page.
        if obj is not None and obj.is_staff_member:
            return [MembershipInline]
        return []


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "in_support_center", "show_due_to_clients", "outgoing_email",
                    "staff_count", "position")
    list_editable = ("position",)
    list_filter = ("in_support_center", "clients_choose_priority", "show_due_to_clients")
    search_fields = ("name",)
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(staff_count=Count("members"))

    @admin.display(description=_("staff"), ordering="staff_count")
    def staff_count(self, department):
        return department.staff_count


# Zapros decides what people may do by their role, not by Django's groups.
admin.site.unregister(Group)
