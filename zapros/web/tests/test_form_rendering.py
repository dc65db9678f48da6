"""The quick form renderer writes exactly what Django's form templates write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation

from zapros.web.form_rendering import QuickRenderer
from zapros.web.portal.forms import RatingForm
from zapros.web.staff.forms import (
    CommentForm,
    FreezeForm,
    MergeForm,
    QueueFilterForm,
    ReassignForm,
)

TRICKY = 'Tom & "Jerry" <b>\'s</b>'


class EveryWidget(forms.Form):
    name = forms.CharField(label="Name <&>", max_length=20, help_text="Help & more")
    email = forms.EmailField(required=False, disabled=True)
    count = forms.IntegerField(min_value=1, initial=1234)
    amount = forms.DecimalField(required=False, widget=forms.NumberInput(attrs={"step": "0.01"}))
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    agree = forms.BooleanField(required=False)
    pick = forms.ChoiceField(choices=[("", "—"), ("a", "A & a"), ("Group <1>", [
        ("b", "B"), ("c", TRICKY)])], required=False)
    several = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two")], required=False)
    typed = forms.TypedChoiceField(choices=[(1, "One"), (2, "Two")], coerce=int,
                                   required=False)
    upload = forms.FileField(required=False)
    look = forms.CharField(required=False, widget=forms.TextInput(
        attrs={"autofocus": True, "readonly": False, "placeholder": TRICKY}))


def both(make_form):
    """The form rendered through Django's templates and through the quick renderer."""
    slow = make_form(DjangoTemplates())
    quick = make_form(QuickRenderer())
    return str(slow) + "".join(
        str(bound) + bound.label_tag() + str(bound.errors) for bound in slow
    ), str(quick) + "".join(
        str(bound) + bound.label_tag() + str(bound.errors) for bound in quick
    )


@pytest.mark.parametrize("data", [
    None,
    {},
    {"name": TRICKY, "email": "a@b.c", "count": "0", "amount": "x", "when": "2026-02-30",
     "secret": TRICKY, "hidden": TRICKY, "text": TRICKY, "agree": "on", "pick": "c",
     "several": ["1", "2"], "typed": "2", "look": TRICKY},
    {"name": "x" * 30, "count": "5", "when": "2026-11-23", "pick": "nope", "several": ["9"]},
])
def test_every_common_widget_renders_as_django_renders_it(data):
    initial = {"when": datetime.date(2026, 11, 23), "text": "Line one\nline <two>",
               "pick": "b", "agree": True, "hidden": 7}
    slow, quick = both(lambda renderer: EveryWidget(
        data, initial=initial, renderer=renderer, auto_id="id_%s"))
    assert quick == slow


def test_fields_without_ids_render_plain_labels_as_django_does():
    slow, quick = both(lambda renderer: EveryWidget(renderer=renderer, auto_id=False))
    assert quick == slow


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_forms_of_the_pages_render_as_django_renders_them(language):
    with translation.override(language):
        for make in (
            lambda r: QueueFilterForm({"status": "all", "assignee": "me"}, renderer=r,
                                      departments=[], staff=[]),
            lambda r: CommentForm({"body": ""}, renderer=r),
            lambda r: FreezeForm({"resume_on": "not a date"}, renderer=r),
            lambda r: MergeForm(renderer=r),
            lambda r: ReassignForm(renderer=r, staff=[]),
            lambda r: RatingForm({"value": "bad", "comment": TRICKY}, renderer=r),
        ):
            slow, quick = both(make)
            assert quick == slow


def test_a_widget_with_its_own_template_is_left_to_django():
    class Stars(forms.RadioSelect):
        pass

    class Rated(forms.Form):
        stars = forms.ChoiceField(choices=[("1", "*"), ("2", "**")], widget=Stars)

    slow, quick = both(lambda renderer: Rated({"stars": "2"}, renderer=renderer))
    assert quick == slow
    assert 'type="radio"' in quick
