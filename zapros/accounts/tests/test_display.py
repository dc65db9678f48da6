"""What people change about their own account: an agent's display settings for the ticket
page, and anyone's language."""

import pytest
from django.contrib.auth.models import AnonymousUser

from zapros.accounts.models import User
from zapros.accounts.services import update_display, update_language
from zapros.core.errors import Forbidden, ValidationFailed


def stored(user):
    fresh = User.objects.get(pk=user.pk)
    return fresh.font_family, fresh.font_size


def test_staff_choose_font_and_size(cast):
    assert stored(cast.john) == ("sans", 15)
    update_display(cast.john, font_family="serif", font_size="18")
    assert stored(cast.john) == ("serif", 18)
    update_display(cast.john, font_size=12)
    assert stored(cast.john) == ("serif", 12)


@pytest.mark.parametrize("kwargs,field", [
    ({"font_family": "comic"}, "font_family"),
    ({"font_family": ""}, "font_family"),
    ({"font_size": 11}, "font_size"),
    ({"font_size": 21}, "font_size"),
    ({"font_size": "big"}, "font_size"),
    ({"font_size": "16.5"}, "font_size"),
    ({"font_family": "mono", "font_size": 99}, "font_size"),
])
def test_bad_values_are_refused_and_nothing_changes(cast, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        update_display(cast.john, **kwargs)
    assert refused.value.field == field
    assert stored(cast.john) == ("sans", 15)


def test_clients_have_no_display_settings(cast):
    with pytest.raises(Forbidden):
        update_display(cast.alice, font_size=16)
    assert stored(cast.alice) == ("sans", 15)


def test_anyone_signed_in_keeps_a_language(cast):
    for person in (cast.alice, cast.john):
        update_language(person, "ru")
        assert User.objects.get(pk=person.pk).language == "ru" == person.language


@pytest.mark.parametrize("language", ["de", "", "RU", None])
def test_a_language_not_offered_is_refused_and_nothing_changes(cast, language):
    with pytest.raises(ValidationFailed) as refused:
        update_language(cast.alice, language)
    assert refused.value.field == "language"
    assert User.objects.get(pk=cast.alice.pk).language == "en"


def test_nobody_signed_out_keeps_a_language(cast):
    with pytest.raises(Forbidden):
        update_language(AnonymousUser(), "ru")
    cast.alice.is_active = False
    with pytest.raises(Forbidden):
        update_language(cast.alice, "ru")
    assert User.objects.get(pk=cast.alice.pk).language == "en"
