"""The overdue report of the workspace: what is overdue now and how the targets were kept
over a period, as a page and as CSV.

Views parse the filters, call ``zapros.reports.sla`` and render; who may read the report is
the selectors' rule (a refusal is a 403), the numbers are theirs too. What is left here is
how they read: durations in words, bars as widths.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from zapros.core import clock
from zapros.core.errors import Forbidden, ValidationFailed
from zapros.reports import exports, periods, sla

from .service_levels import length as duration_text
from .views import staff_member_required

NOBODY = str(sla.NOBODY)


class ReportForm(forms.Form):
    """The report's GET filters. A department, agent or policy that does not parse is not
    applied; a custom period that cannot be is an error on the form."""

    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    agent = forms.ChoiceField(label=gettext_lazy("Agent"), required=False)
    policy = forms.ChoiceField(label=gettext_lazy("Policy"), required=False)
    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False,
                               choices=[(p.value, p.label) for p in periods.Preset])
    start = forms.DateField(label=gettext_lazy("First day"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("Last day"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, choices: sla.FilterChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All departments"))] + [
            (str(c.id), c.name) for c in choices.departments]
        self.fields["agent"].choices = [("", _("Anyone")), (NOBODY, _("Nobody"))] + [
            (str(c.id), c.name) for c in choices.agents]
        self.fields["policy"].choices = [("", _("All policies"))] + [
            (str(c.id), c.name) for c in choices.policies]

    def clean(self):
        data = super().clean()
        if data.get("period") == periods.Preset.CUSTOM:
            for name in ("start", "end"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Enter a date."))
        return data

    def chosen(self) -> dict:
        """The department, agent and policy filters that parsed."""
        return {name: self.cleaned_data.get(name) or None
                for name in ("department", "agent", "policy") if name not in self.errors}

    def days(self, today) -> periods.Days | None:
        """The period's days, or None when the custom dates are not valid."""
        preset = periods.Preset(self.cleaned_data.get("period") or periods.DEFAULT_PRESET)
        if preset != periods.Preset.CUSTOM:
            return periods.preset_days(preset, today)
        if {"start", "end"} & set(self.errors):
            return None
        return periods.Days(self.cleaned_data["start"], self.cleaned_data["end"])


def _form(request) -> ReportForm:
    try:
        choices = sla.filter_choices(request.user)
    except Forbidden as refused:
        raise PermissionDenied(str(refused.message)) from None
    form = ReportForm(request.GET, choices=choices)
    form.is_valid()
    return form


def _table(rows: list[sla.Row]) -> list[dict]:
    return [{
        "name": row.name, "metric": row.metric_label, "count": row.stats.count,
        "met": row.stats.met, "percent": row.stats.met_percent,
        "bar": round(row.stats.met_percent or 0),
        "median": duration_text(row.stats.median), "p90": duration_text(row.stats.p90),
        "paused_total": duration_text(row.stats.paused_total),
        "paused_average": duration_text(row.stats.paused_average),
    } for row in rows]


def _bars(labels: list[str], counts: list[int]) -> list[dict]:
    top = max(counts, default=0) or 1
    return [{"label": label, "count": count, "bar": round(100 * count / top)}
            for label, count in zip(labels, counts, strict=True)]


WEEKDAYS = (gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
            gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
            gettext_lazy("Sunday"))


@staff_member_required
@require_GET
def sla_report(request):
    user = request.user
    form = _form(request)
    chosen = form.chosen()
    cursor = request.GET.get("cursor") or None
    try:
        overdue = sla.overdue_now(user, cursor=cursor, **chosen)
    except ValidationFailed:
        overdue = sla.overdue_now(user, **chosen)   # an old page link: the first page
    report, error = None, ""
    days = form.days(clock.today_in(user.timezone))
    if days is not None:
        start, end = sla.days_period(user, days)
        try:
            report = sla.period(user, start=start, end=end, **chosen)
        except ValidationFailed as refused:
            error = str(refused.message)
    context = {
        "nav": "reports", "form": form, "overdue": overdue,
        "overdue_rows": [(row, duration_text(row.overdue_by, days=True))
                         for row in overdue.page.rows],
        "days": days, "report": report, "period_error": error,
    }
    if report is not None:
        context.update({
            "by_metric": _table(report.by_metric),
            "by_department": _table(report.by_department),
            "by_agent": _table(report.by_agent),
            "by_weekday": _bars([str(day) for day in WEEKDAYS], report.breaches_by_weekday),
            "by_hour": _bars([f"{hour:02d}" for hour in range(24)], report.breaches_by_hour),
        })
    return render(request, "staff/reports_sla.html", context)


def _csv(lines, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@staff_member_required
@require_GET
def sla_overdue_csv(request):
    user = request.user
    form = _form(request)
    # Refused (or not) here, before the answer starts; the rows are read as they are sent.
    rows = sla.overdue_rows(user, **form.chosen())
    stamp = clock.today_in(user.timezone).isoformat()
    return _csv(exports.overdue_csv(rows, user.timezone), f"overdue-{stamp}.csv")


@staff_member_required
@require_GET
def sla_period_csv(request):
    user = request.user
    form = _form(request)
    days = form.days(clock.today_in(user.timezone))
    if days is None:
        days = periods.preset_days(periods.DEFAULT_PRESET, clock.today_in(user.timezone))
    start, end = sla.days_period(user, days)
    try:
        report = sla.period(user, start=start, end=end, **form.chosen())
    except ValidationFailed as refused:
        return render(request, "staff/reports_sla.html", {
            "nav": "reports", "form": form, "period_error": str(refused.message),
            "csv_refused": True,
        }, status=422)
    name = f"sla-{days.first.isoformat()}-{days.last.isoformat()}.csv"
    return _csv(exports.period_csv(report), name)
