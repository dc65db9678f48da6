"""{% url %} learns each URL name once and gives what reverse() gives."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, resolve, reverse
from django.urls.base import set_script_prefix

from zapros.web import url_rendering

CASES = [
    ("staff:queue", ()),
    ("staff:ticket", (7,)),
    ("staff:ticket", (123456789012,)),
    ("staff:messages", (42,)),
    ("staff:template_edit", (5,)),
    ("staff:retry_mail", (17, 3)),
    ("portal:ticket", (8,)),
    ("download", (0,)),
]


@pytest.mark.parametrize(("name", "args"), CASES)
def test_the_url_is_what_reverse_gives(name, args):
    for _ in range(2):   # learnt the first time, filled in the second
        assert url_rendering.quick_reverse(name, args) == reverse(name, args=args)


def test_names_with_and_without_numbers_are_learnt_once():
    url_rendering._shapes.clear()
    for name, args in CASES:
        url_rendering.quick_reverse(name, args)
    assert len(url_rendering._shapes) == len({(name, len(args)) for name, args in CASES})
    assert url_rendering._UNCACHEABLE not in url_rendering._shapes.values()


def test_text_and_keyword_arguments_and_bad_numbers_go_to_reverse():
    assert url_rendering.quick_reverse("staff:ticket", ("12",)) == reverse(
        "staff:ticket", args=["12"])
    with pytest.raises(NoReverseMatch):
        url_rendering.quick_reverse("staff:ticket", (-1,))
    with pytest.raises(NoReverseMatch):
        url_rendering.quick_reverse("staff:ticket", ("x",))
    with pytest.raises(NoReverseMatch):
        url_rendering.quick_reverse("staff:no-such-page", ())
    by_keyword = Template("{% url 'staff:ticket' number=5 %}").render(Context({}))
    assert by_keyword == reverse("staff:ticket", kwargs={"number": 5})


def test_the_tag_in_a_template_escapes_assigns_and_keeps_its_syntax():
    assert isinstance(Template("{% url 'staff:queue' %}").nodelist[0],
                      url_rendering.QuickURLNode)   # every template's {% url %}
    request = RequestFactory().get("/staff/")
    request.resolver_match = resolve("/staff/")
    html = Template(
        "{% url 'staff:ticket' number %}|{% url 'staff:queue' as queue %}[{{ queue }}]"
        "|{% url 'staff:no-such-page' as missing %}[{{ missing }}]"
        "|{% url name number %}"
    ).render(Context({"number": 31, "name": "staff:messages", "request": request}))
    assert html == (f"{reverse('staff:ticket', args=[31])}|[{reverse('staff:queue')}]|[]"
                    f"|{reverse('staff:messages', args=[31])}")


def test_a_script_prefix_and_a_language_each_get_their_own_urls(settings):
    plain = url_rendering.quick_reverse("staff:ticket", (9,))
    set_script_prefix("/help/")
    try:
        assert url_rendering.quick_reverse("staff:ticket", (9,)) == "/help" + plain
    finally:
        set_script_prefix("/")
    assert url_rendering.quick_reverse("staff:ticket", (9,)) == plain
