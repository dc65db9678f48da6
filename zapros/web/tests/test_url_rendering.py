"""URLs of one name for many numbers give what reverse() gives, and templates use Django's
own {% url %}."""

import pytest
from django.template import Template
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, reverse
from django.urls.base import set_script_prefix

from zapros.web import url_rendering

NAMES = ["staff:ticket", "staff:messages", "staff:template_edit", "portal:ticket", "download"]


@pytest.mark.parametrize("name", NAMES)
def test_the_url_is_what_reverse_gives(name):
    for _ in range(2):   # learnt the first time, filled in the second
        url = url_rendering.numbered_url(name)
        for number in (0, 7, 123456789012):
            assert url(number) == reverse(name, args=[number])


def test_each_name_is_learnt_once():
    url_rendering._shapes.clear()
    for name in NAMES * 2:
        url_rendering.numbered_url(name)
    assert len(url_rendering._shapes) == len(NAMES)
    assert None not in url_rendering._shapes.values()


def test_a_name_that_does_not_take_one_number_goes_to_reverse():
    with pytest.raises(NoReverseMatch):
        url_rendering.numbered_url("staff:queue")(1)
    with pytest.raises(NoReverseMatch):
        url_rendering.numbered_url("staff:no-such-page")(1)


def test_a_script_prefix_gets_its_own_urls():
    plain = url_rendering.numbered_url("staff:ticket")(9)
    set_script_prefix("/help/")
    try:
        assert url_rendering.numbered_url("staff:ticket")(9) == "/help" + plain
    finally:
        set_script_prefix("/")
    assert url_rendering.numbered_url("staff:ticket")(9) == plain


def test_templates_use_djangos_own_url_tag():
    assert type(Template("{% url 'staff:queue' %}").nodelist[0]) is URLNode
