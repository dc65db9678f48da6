"""Forms of the staff workspace. They parse and render input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zapros.tickets.models import Priority, TicketType
from zapros.tickets.states import StaffStatus

# --- Queue filters --------------------------------------------------------------------------

ALL_STATUSES = "all"
ASSIGNEE_ME = "me"
ASSIGNEE_NOBODY = "nobody"


class QueueFilterForm(forms.Form):
    """The queue's GET filters. A value that does not parse is simply not applied."""

    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None,
        widget=forms.Select,
    )
    status = forms.ChoiceField(label=_("Status"), required=False, widget=forms.Select)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, widget=forms.Select)
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    needs_reply = forms.BooleanField(label=_("Needs reply only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, departments=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All departments"))] + [
            (department.pk, department.name) for department in departments
        ]
        self.fields["status"].choices = [
            ("", _("Not archived")),
            *((status.value, status.label) for status in StaffStatus),
            (ALL_STATUSES, _("Archived included")),
        ]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            (ASSIGNEE_ME, _("Me")),
            (ASSIGNEE_NOBODY, _("Nobody")),
            (_("Staff"), [(str(member.pk), member.display_name) for member in staff]),
        ]
        for name in ("department", "status", "assignee", "needs_reply", "overdue"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def valid_data(self) -> dict:
        """The filters that parsed; the others are dropped rather than refused."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items()
                if name not in self.errors}


class SearchForm(QueueFilterForm):
    """The search box with the queue's filters. Without a status, archived requests are
    searched too."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Any status")), *((status.value, status.label) for status in StaffStatus),
        ]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})


# --- Ticket page ----------------------------------------------------------------------------

class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Any number of uploads, handed as they are to the service that checks them."""

    widget = MultipleFileInput

    def clean(self, value):
        if not value:
            return []
        files = value if isinstance(value, list | tuple) else [value]
        return [upload for upload in files if upload]


PARAMETER_FIELDS = ("subject", "title", "service", "type", "priority", "topic")


class ReplyForm(forms.Form):
    """The holder's form: a reply, an internal note, files and the ticket's parameters."""

    body = forms.CharField(
        label=_("Reply"), required=False, strip=False,
        widget=forms.Textarea(attrs={"id": "reply-body", "rows": 8}),
    )
    attachments = AttachmentsField(label=_("Attachments"), required=False)
    note = forms.CharField(
        label=_("Internal comment"), required=False, strip=False,
        help_text=_("Only staff see it."),
        widget=forms.Textarea(attrs={"id": "reply-note", "rows": 3, "class": "note"}),
    )
    subject = forms.CharField(label=_("Subject"), required=False, strip=False)
    title = forms.CharField(
        label=_("Staff title"), required=False, strip=False, help_text=_("Only staff see it."),
    )
    service = forms.ChoiceField(label=_("Service"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False, choices=TicketType.choices)
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=Priority.choices)
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args, ticket, client_services=(), topics=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {**parameters_of(ticket), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("No service"))] + [
            (str(service.pk), f"{service} · {service.get_status_display()}")
            for service in client_services
        ]
        # A topic switched off since it was chosen stays selectable on its own ticket.
        topics = list(topics)
        if ticket.topic_id and ticket.topic_id not in {topic.pk for topic in topics}:
            topics.append(ticket.topic)
        self.fields["topic"].choices = [("", _("No topic"))] + [
            (str(topic.pk), topic.name) for topic in topics
        ]
        self.fields["attachments"].widget.attrs["id"] = "reply-attachments"

    @property
    def parameter_fields(self):
        return [self[name] for name in PARAMETER_FIELDS]

    def changed_parameters(self) -> dict:
        """The parameters the agent changed, to be passed to ``services.save_parameters``."""
        return {
            name: self.cleaned_data[name]
            for name in PARAMETER_FIELDS
            if name in self.data and name in self.changed_data
        }

    def kept_text(self) -> dict:
        """What the agent typed, to show again when it was not sent."""
        data = getattr(self, "cleaned_data", {})
        return {"body": data.get("body", ""), "note": data.get("note", "")}


def parameters_of(ticket) -> dict:
    return {
        "subject": ticket.subject,
        "title": ticket.title,
        "service": str(ticket.service_id or ""),
        "type": ticket.type,
        "priority": str(ticket.priority),
        "topic": str(ticket.topic_id or ""),
    }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Internal comment"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = AttachmentsField(label=_("Attachments"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "comment-%s")
        super().__init__(*args, **kwargs)


class FreezeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Waiting for the data centre"),
                                      "maxlength": 500}),
    )
    resume_on = forms.DateField(
        label=_("Resume on (optional)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("On this day the request goes back into work by itself."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "freeze-%s")
        super().__init__(*args, **kwargs)


class ReassignForm(forms.Form):
    agent = forms.TypedChoiceField(
        label=_("Reassign to"), required=False, coerce=int, empty_value=None,
        widget=forms.Select,
    )

    def __init__(self, *args, staff=(), **kwargs):
        kwargs.setdefault("auto_id", "reassign-%s")
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [("", _("Choose a staff member"))] + [
            (member.pk, member.display_name) for member in staff
        ]


class TransferForm(forms.Form):
    """Where to copy the request: a department ("d:<id>") or a staff member ("a:<id>")."""

    target = forms.ChoiceField(label=_("Transfer to"), widget=forms.Select)

    def __init__(self, *args, departments=(), staff=(), **kwargs):
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", _("Choose a department or a staff member")),
            (_("Departments"), [(f"d:{d.pk}", d.name) for d in departments]),
            (_("Staff members"), [(f"a:{m.pk}", m.display_name) for m in staff]),
        ]

    def target_kwargs(self) -> dict:
        """The chosen target as the keyword ``services.transfer`` takes."""
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        return {"department_id" if kind == "d" else "agent_id": int(pk)}

    def target_label(self) -> str:
        value = self.cleaned_data["target"]
        for _group, options in self.fields["target"].choices[1:]:
            for option, label in options:
                if option == value:
                    return label
        return value


# --- Messages view: editing, split and merge ------------------------------------------------

class EditMessageForm(forms.Form):
    body = forms.CharField(label=_("Text"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 6}))


class SplitForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput, required=False)
    subject = forms.CharField(label=_("Subject of the new request"), required=False)


class MergeForm(forms.Form):
    target = forms.CharField(
        label=_("Merge into request number"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "1024"}),
    )

    def target_number(self) -> str:
        """What was typed, with a leading # allowed; the service refuses what is no number."""
        self.is_valid()
        return (self.cleaned_data.get("target") or "").strip().lstrip("#")
