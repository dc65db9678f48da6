"""Forms of the client portal.

They only parse what the browser sends and draw the fields. Which departments, services,
types and files are acceptable is decided by the ticket services, whose refusals the views put
back on these forms, so the fields stay lenient here and carry no rule of their own.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from zapros.accounts.models import Department
from zapros.clients.models import Service
from zapros.tickets.models import CLIENT_TICKET_TYPES, TicketType, Topic
from zapros.tickets.validation import SUBJECT_MAX


class SearchForm(forms.Form):
    """The search box. The query is searched as typed (the search bounds its length); a
    character no text may hold (NUL) is refused here, as in every other form."""

    q = forms.CharField(required=False, strip=False)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Any number of uploads, passed on untouched: the services check their size and kind."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, data):
        if not data:
            return []
        return list(data) if isinstance(data, list | tuple) else [data]


def allowed_extensions() -> list[str]:
    return sorted({ext.lower().lstrip(".") for ext in settings.ZAPROS_ATTACHMENT_EXTENSIONS})


def describe_attachments(field: MultipleFileField) -> None:
    """Tell the person, and hint to the browser's file picker, what may be attached under the
    settings in force now. The services check the files themselves."""
    extensions = allowed_extensions()
    field.help_text = _("Allowed files: %(extensions)s; up to %(size)s each.") % {
        "extensions": ", ".join(extensions),
        "size": filesizeformat(settings.ZAPROS_ATTACHMENT_MAX_BYTES),
    }
    field.widget.attrs["accept"] = ",".join(f".{ext}" for ext in extensions)


def attachments_field() -> MultipleFileField:
    return MultipleFileField(label=_("Attachments"))


class NewRequestForm(forms.Form):
    department = forms.IntegerField(
        label=_("Department"), required=False, widget=forms.Select(attrs={"required": True})
    )
    subject = forms.CharField(
        label=_("Subject"), required=False, strip=False,
        widget=forms.TextInput(attrs={"maxlength": SUBJECT_MAX, "required": True,
                                      "autocomplete": "off"}),
    )
    type = forms.CharField(
        label=_("Type"), required=False, widget=forms.Select(attrs={"required": True})
    )
    topic = forms.IntegerField(label=_("Topic"), required=False, widget=forms.Select)
    service = forms.IntegerField(
        label=_("Service"), required=False, widget=forms.Select,
        help_text=_("The service the request is about, if any."),
    )
    body = forms.CharField(
        label=_("Description"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "required": True}),
        help_text=_("What happened, what you expected, and what you have already tried."),
    )
    attachments = attachments_field()

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("initial", {"type": TicketType.QUESTION})
        super().__init__(*args, **kwargs)
        departments = [
            (department.pk, department.name)
            for department in Department.objects.filter(in_support_center=True)
        ]
        if len(departments) == 1 and not self.is_bound:
            self.initial.setdefault("department", departments[0][0])
        self.fields["department"].widget.choices = [("", _("Choose a department")), *departments]
        self.fields["type"].widget.choices = [(t.value, t.label) for t in CLIENT_TICKET_TYPES]
        # Only the names: where a topic routes and how fast it is answered stay with staff.
        topics = list(Topic.objects.filter(active=True).values_list("pk", "name"))
        if topics:
            self.fields["topic"].widget.choices = [("", _("Other / not listed")), *topics]
        else:
            del self.fields["topic"]
        services = [
            (service.pk, str(service)) for service in Service.objects.filter(client_id=user.pk)
        ]
        if services:
            self.fields["service"].widget.choices = [("", _("No particular service")), *services]
        else:
            del self.fields["service"]
        describe_attachments(self.fields["attachments"])


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "required": True}),
    )
    attachments = attachments_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        describe_attachments(self.fields["attachments"])


class RatingForm(forms.Form):
    message = forms.IntegerField(required=False)
    value = forms.CharField(required=False)
    comment = forms.CharField(required=False)
