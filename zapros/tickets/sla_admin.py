"""Django admin for service levels: business calendars with their days, and SLA policies.

Every save and delete goes through :mod:`zapros.tickets.services.service_levels`, so that
the admin's changes are validated, counted in the revision and recompute the clocks exactly
as the API's are. The forms ask the same services' ``check_*`` first, which shows a refusal
beside its field; a refusal that only the write itself can find (someone changed the same
thing meanwhile) rolls the whole page back and is shown as a message.
"""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zapros.core.errors import DomainError, ValidationFailed
from zapros.sla.businesstime import CalendarError, format_spans, parse_spans
from zapros.sla.models import BusinessCalendar, CalendarDay, EscalationStep, Metric, Policy

from . import policies
from .models import Message, Priority, TicketType
from .services import service_levels

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                  "sunday")
WEEKDAY_LABELS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                  _("Saturday"), _("Sunday"))
HOURS_HELP = _("Typed as 09:00-13:00, 14:00-18:00; empty for a day off.")
TARGET_HELP = _("Business hours in the chosen calendar (decimals allowed: 0.5 is half an "
                "hour); 27 hours in a 9-hour working day are three working days. Empty: not "
                "tracked.")
TARGET_FIELDS = {metric.value: f"{metric.value}_hours" for metric in
                 (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)}


def add_domain_error(form: forms.BaseForm, error: ValidationFailed, fields: dict) -> None:
    """Show a refusal of the services beside the form's field it names (``fields`` maps the
    services' names to the form's), or above the form."""
    name = fields.get(error.field, error.field)
    form.add_error(name if name in form.fields else None, str(error.message))


def parse_hours_text(value: str) -> list[list[int]]:
    try:
        return [list(span) for span in parse_spans(value or "")]
    except CalendarError as error:
        raise forms.ValidationError(str(error.message)) from None


def may_configure(request) -> bool:
    try:
        policies.ensure_can_configure_service_levels(request.user)
    except DomainError:
        return False
    return True


class ConfigurePermissions:
    """Who may open these pages is the domain's rule, not Django's permission rows."""

    def has_view_permission(self, request, obj=None):
        return may_configure(request)

    def has_add_permission(self, request, obj=None):
        return may_configure(request)

    def has_change_permission(self, request, obj=None):
        return may_configure(request)

    def has_delete_permission(self, request, obj=None):
        return may_configure(request)


class ServiceLevelAdmin(ConfigurePermissions, admin.ModelAdmin):
    """Refusals that the write finds roll back the whole page and come back as a message."""

    def has_module_permission(self, request):
        return may_configure(request)

    def _refused(self, request, error: DomainError):
        self.message_user(request, str(error.message), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:
            return self._refused(request, error)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except DomainError as error:
            return self._refused(request, error)

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except DomainError as error:
            return self._refused(request, error)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


# --- Calendars ------------------------------------------------------------------------------

class CalendarForm(forms.ModelForm):
    monday = forms.CharField(label=WEEKDAY_LABELS[0], required=False, help_text=HOURS_HELP)
    tuesday = forms.CharField(label=WEEKDAY_LABELS[1], required=False)
    wednesday = forms.CharField(label=WEEKDAY_LABELS[2], required=False)
    thursday = forms.CharField(label=WEEKDAY_LABELS[3], required=False)
    friday = forms.CharField(label=WEEKDAY_LABELS[4], required=False)
    saturday = forms.CharField(label=WEEKDAY_LABELS[5], required=False)
    sunday = forms.CharField(label=WEEKDAY_LABELS[6], required=False)

    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone", "always_open")
        help_texts = {"time_zone": _("An IANA time zone such as Europe/Moscow or UTC.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        week = self.instance.week if len(self.instance.week or ()) == 7 else [[]] * 7
        for name, spans in zip(WEEKDAY_FIELDS, week, strict=True):
            self.initial.setdefault(name, format_spans(spans))

    def validate_unique(self):
        pass   # the services say so, in their own words

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        week = [data[name] for name in WEEKDAY_FIELDS]
        try:
            values = service_levels.check_calendar(
                self.instance, name=data.get("name"), time_zone=data.get("time_zone"),
                always_open=data.get("always_open"), week=week)
        except ValidationFailed as error:
            add_domain_error(self, error, {"week": None})
            return data
        # The days below are checked against the week as it is about to be.
        self.instance.week = values["week"]
        self.calendar_values = values
        return data


def _day_cleaner(name):
    def clean(self):
        return parse_hours_text(self.cleaned_data.get(name))
    return clean


for _name in WEEKDAY_FIELDS:   # clean_monday ... clean_sunday: each day's text as spans
    setattr(CalendarForm, f"clean_{_name}", _day_cleaner(_name))


class CalendarDayForm(forms.ModelForm):
    hours = forms.CharField(
        label=_("hours"), required=False,
        help_text=_("A holiday: the hours it closes, empty for the whole day. A working day: "
                    "its working hours."))

    class Meta:
        model = CalendarDay
        fields = ("day", "kind", "hours", "name")

    def __init__(self, *args, calendar=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The calendar as its own form is about to save it, new or not.
        self.calendar = calendar
        if self.instance.pk:
            self.initial.setdefault("hours", format_spans(self.instance.spans or ()))

    def clean_hours(self):
        return parse_hours_text(self.cleaned_data.get("hours"))

    def validate_unique(self):
        pass   # one day per date: the formset and the services see to it

    def clean(self):
        data = super().clean()
        if self.errors or not data.get("day") or data.get("DELETE"):
            return data
        try:
            service_levels.check_day(self.calendar, day=data["day"],
                                     kind=data.get("kind"), spans=data.get("hours"),
                                     name=data.get("name"))
        except ValidationFailed as error:
            add_domain_error(self, error, {"spans": "hours"})
        return data


class CalendarDayFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "calendar": self.instance}

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            day = getattr(form, "cleaned_data", {}).get("day")
            if not day or form.cleaned_data.get("DELETE"):
                continue
            if day in seen:
                form.add_error("day", gettext("This date is listed twice."))
            seen.add(day)


class CalendarDayInline(ConfigurePermissions, admin.TabularInline):
    model = CalendarDay
    form = CalendarDayForm
    formset = CalendarDayFormSet
    extra = 1
    fields = ("day", "kind", "hours", "name")


class ImportHolidaysForm(forms.Form):
    file = forms.FileField(label=_("iCalendar file (.ics)"))
    start = forms.DateField(label=_("from"))
    end = forms.DateField(label=_("to"))


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ServiceLevelAdmin):
    form = CalendarForm
    inlines = [CalendarDayInline]
    list_display = ("name", "time_zone", "always_open", "hours", "day_count")
    search_fields = ("name",)
    change_form_template = "admin/sla/businesscalendar/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "time_zone", "always_open")}),
        (_("Working hours"), {"fields": WEEKDAY_FIELDS}),
    )

    @admin.display(description=_("working hours"))
    def hours(self, calendar):
        if calendar.always_open:
            return gettext("around the clock")
        week = calendar.week if len(calendar.week or ()) == 7 else [[]] * 7
        return "; ".join(f"{label}: {format_spans(spans)}" for label, spans in
                         zip(WEEKDAY_LABELS, week, strict=True) if spans)

    @admin.display(description=_("holidays and working days"))
    def day_count(self, calendar):
        return calendar.days.count()

    def save_model(self, request, obj, form, change):
        saved = service_levels.save_calendar(request.user, obj.pk if change else None,
                                             **form.calendar_values)
        obj.pk, obj.revision = saved.pk, saved.revision

    def save_related(self, request, form, formsets, change):
        calendar = form.instance
        for formset in formsets:
            # What the admin's history says was added, changed and deleted.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for inline in formset.forms:
                data = getattr(inline, "cleaned_data", None)
                if not data or (not inline.has_changed() and not data.get("DELETE")):
                    continue
                old = inline.instance.day if inline.instance.pk else None
                if data.get("DELETE"):
                    if old is not None:
                        service_levels.remove_day(request.user, calendar, old)
                        formset.deleted_objects.append(inline.instance)
                    continue
                if old is not None and old != data["day"]:
                    service_levels.remove_day(request.user, calendar, old)
                row = service_levels.set_day(request.user, calendar, day=data["day"],
                                             kind=data["kind"], spans=data["hours"],
                                             name=data.get("name", ""))
                if old is None:
                    formset.new_objects.append(row)
                else:
                    formset.changed_objects.append((row, inline.changed_data))

    def delete_model(self, request, obj):
        service_levels.delete_calendar(request.user, obj)

    def get_urls(self):
        return [
            path("<int:calendar_id>/import/", self.admin_site.admin_view(self.import_view),
                 name="sla_businesscalendar_import"),
            *super().get_urls(),
        ]

    def import_view(self, request, calendar_id):
        """Holidays from an iCalendar file, for this year and the next unless told."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
        year = date.today().year
        result = None
        if request.method == "POST":
            form = ImportHolidaysForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = service_levels.import_holidays(
                        request.user, calendar, form.cleaned_data["file"].read(),
                        start=form.cleaned_data["start"], end=form.cleaned_data["end"])
                except ValidationFailed as error:
                    add_domain_error(form, error, {})
        else:
            form = ImportHolidaysForm(initial={"start": date(year, 1, 1),
                                               "end": date(year + 1, 12, 31)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "original": calendar, "form": form, "result": result,
            "title": gettext("Import holidays from an iCalendar file"),
            "change_url": reverse("admin:sla_businesscalendar_change", args=[calendar.pk]),
        }
        return TemplateResponse(request, "admin/sla/businesscalendar/import.html", context)


# --- Policies -------------------------------------------------------------------------------

def hours_of(duration: timedelta | None) -> Decimal | None:
    if duration is None:
        return None
    return (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.01")).normalize()


class PolicyForm(forms.ModelForm):
    priorities = forms.TypedMultipleChoiceField(
        label=_("priorities"), choices=Priority.choices, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any."))
    types = forms.MultipleChoiceField(
        label=_("request types"), choices=TicketType.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any."))
    channels = forms.MultipleChoiceField(
        label=_("channels"), choices=Message.Channel.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any."))
    service_kinds = forms.CharField(
        label=_("service kinds"), required=False,
        help_text=_("Comma-separated, such as hosting, vps; empty: any."))
    first_response_hours = forms.DecimalField(
        label=_("first response, hours"), required=False, max_digits=9, decimal_places=2,
        help_text=TARGET_HELP)
    next_response_hours = forms.DecimalField(
        label=_("next response, hours"), required=False, max_digits=9, decimal_places=2,
        help_text=TARGET_HELP)
    resolution_hours = forms.DecimalField(
        label=_("resolution, hours"), required=False, max_digits=9, decimal_places=2,
        help_text=TARGET_HELP)
    pause_on_hold = forms.MultipleChoiceField(
        label=_("paused on hold"), choices=Metric.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    pause_awaiting_client = forms.MultipleChoiceField(
        label=_("paused while awaiting the client"), choices=Metric.choices, required=False,
        widget=forms.CheckboxSelectMultiple)

    order = forms.IntegerField(
        label=_("place in the list"), required=False, min_value=1,
        help_text=_("1 is checked first; the first active policy that matches wins."))

    class Meta:
        model = Policy
        fields = ("name", "active", "calendar", "departments", "topics", "clients",
                  "client_groups", "warn_percent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy = self.instance
        if policy.pk:
            self.initial.setdefault("service_kinds", ", ".join(policy.service_kinds or ()))
            for metric, name in TARGET_FIELDS.items():
                self.initial.setdefault(name, hours_of(policy.target(metric)))
        if policy.pk and not policy.is_default:
            ordered = list(Policy.objects.filter(is_default=False).values_list("pk", flat=True))
            self.initial.setdefault("order", ordered.index(policy.pk) + 1)
        if policy.is_default:
            for name in ("order", "departments", "topics", "clients", "client_groups",
                         "priorities", "types", "channels", "service_kinds", "active"):
                self.fields.pop(name, None)

    def validate_unique(self):
        pass   # the services say so, in their own words

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        fields = {name: data[name] for name in self.fields if name in data
                  and name not in (*TARGET_FIELDS.values(), "order")}
        for metric, name in TARGET_FIELDS.items():
            hours = data.get(name)
            fields[metric] = None if hours is None else timedelta(
                seconds=round(float(hours) * 3600))
        try:
            self.policy_values = fields
            service_levels.check_policy(self.instance if self.instance.pk else None,
                                        **fields)
        except ValidationFailed as error:
            add_domain_error(self, error, TARGET_FIELDS)
        return data

    def _post_clean(self):
        # The services write the policy; the form's instance is left as it was read.
        pass


@admin.register(Policy)
class PolicyAdmin(ServiceLevelAdmin):
    form = PolicyForm
    list_display = ("position", "name", "calendar", "targets", "active", "is_default")
    list_display_links = ("name",)
    list_select_related = ("calendar",)
    list_filter = ("active", "calendar")
    search_fields = ("name",)
    filter_horizontal = ("departments", "topics", "client_groups")
    autocomplete_fields = ("clients",)

    def get_fieldsets(self, request, obj=None):
        conditions = ("departments", "topics", "clients", "client_groups", "priorities",
                      "types", "channels", "service_kinds")
        fieldsets = [
            (None, {"fields": ("name", "active", "calendar", "order")}),
            (_("Conditions (empty: any)"), {"fields": conditions}),
            (_("Targets"), {"fields": (*TARGET_FIELDS.values(), "warn_percent",
                                       "pause_on_hold", "pause_awaiting_client")}),
        ]
        if obj is not None and obj.is_default:
            fieldsets[0] = (None, {"fields": ("name", "calendar")})
            fieldsets.pop(1)
        return fieldsets

    @admin.display(description=_("targets"))
    def targets(self, policy):
        parts = []
        for metric in TARGET_FIELDS:
            hours = hours_of(policy.target(metric))
            if hours is not None:
                parts.append(gettext("%(target)s: %(hours)s h") % {
                    "target": Metric(metric).label, "hours": hours})
        return "; ".join(parts)

    def get_readonly_fields(self, request, obj=None):
        return ("is_default",) if obj is not None and obj.is_default else ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        saved = service_levels.save_policy(request.user, obj.pk if change else None,
                                           **form.policy_values)
        obj.pk = saved.pk
        form.instance = saved
        order = form.cleaned_data.get("order")
        if order is not None and (not change or "order" in form.changed_data):
            service_levels.move_policy(request.user, saved, order)

    def save_related(self, request, form, formsets, change):
        pass   # the conditions were saved with the policy

    def delete_model(self, request, obj):
        service_levels.delete_policy(request.user, obj)



# --- The escalation ladder ------------------------------------------------------------------

class EscalationStepForm(forms.ModelForm):
    after_hours = forms.DecimalField(
        label=_("after, hours"), min_value=Decimal(0), max_digits=8, decimal_places=2,
        initial=0, help_text=_("For a deadline passed: how long after it this step is taken "
                               "(0: at once). A warning has none."))

    class Meta:
        model = EscalationStep
        fields = ("department", "when", "who")

    def clean(self):
        data = super().clean()
        hours = data.get("after_hours")
        if hours is not None:
            data["after"] = timedelta(hours=float(hours))
        return data


@admin.register(EscalationStep)
class EscalationStepAdmin(ServiceLevelAdmin):
    form = EscalationStepForm
    list_display = ("department", "when", "who", "after")
    list_filter = ("when", "who", "department")
    list_select_related = ("department",)

    def has_change_permission(self, request, obj=None):
        # A step is added or removed, never edited: the ladder's history stays simple.
        return obj is None and may_configure(request)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            step = service_levels.add_escalation_step(
                request.user, department=data.get("department"), when=data["when"],
                who=data["who"], after=data.get("after", timedelta(0)))
        except ValidationFailed as error:
            raise DomainError(error.message) from error
        obj.pk = step.pk

    def delete_model(self, request, obj):
        service_levels.remove_escalation_step(request.user, obj)
