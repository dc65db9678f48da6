import pytest

from zapros.core.errors import Forbidden, NotFound, ValidationFailed
from zapros.tickets import policies, services
from zapros.tickets.models import ResponseTemplate


def snapshot():
    return list(ResponseTemplate.objects.order_by("pk").values())


@pytest.fixture
def templates(cast):
    make = services.create_template
    return {
        "all": make(cast.admin, title="Greeting", body="Hello {client_name}"),
        "tech": make(cast.admin, title="Restart", body="We restarted it",
                     department_id=cast.tech.pk),
        "sales": make(cast.admin, title="Offer", body="Our offer", department_id=cast.sales.pk),
        "john": make(cast.john, title="John's sign-off", body="John", agent_id=cast.john.pk),
        "gary": make(cast.gary, title="Gary's sign-off", body="Gary", agent_id=cast.gary.pk),
    }


def titles(user):
    return set(policies.visible_templates(user).values_list("title", flat=True))


def test_agent_sees_all_staff_department_and_own_templates(cast, templates):
    assert titles(cast.john) == {"Greeting", "Restart", "John's sign-off"}
    assert titles(cast.gary) == {"Greeting", "Restart", "Offer", "Gary's sign-off"}


def test_supervisor_sees_every_department_but_not_personal_templates_of_others(cast, templates):
    assert titles(cast.supervisor) == {"Greeting", "Restart", "Offer"}


def test_clients_see_no_templates(cast, templates):
    assert titles(cast.alice) == set()


def test_deactivated_template_is_not_visible(cast, templates):
    services.deactivate_template(cast.supervisor, templates["tech"].pk)
    assert "Restart" not in titles(cast.john)
    assert ResponseTemplate.objects.filter(pk=templates["tech"].pk, active=False).exists()


def test_agent_creates_personal_template(cast):
    template = services.create_template(cast.john, title="  Hi  ", body="Text",
                                        agent_id=cast.john.pk)
    assert (template.title, template.agent, template.created_by) == ("Hi", cast.john, cast.john)


@pytest.mark.parametrize("scope", ["all", "department", "colleague"])
def test_agent_cannot_create_shared_or_foreign_templates(cast, scope):
    kwargs = {"department": {"department_id": cast.tech.pk},
              "colleague": {"agent_id": cast.gary.pk}}.get(scope, {})
    with pytest.raises(Forbidden):
        services.create_template(cast.john, title="T", body="B", **kwargs)
    assert snapshot() == []


def test_client_cannot_create_template(cast):
    with pytest.raises(Forbidden):
        services.create_template(cast.alice, title="T", body="B", agent_id=cast.alice.pk)
    assert snapshot() == []


@pytest.mark.parametrize(("title", "body", "field"), [("", "B", "title"), ("T", "  ", "body")])
def test_empty_title_or_body_is_refused(cast, title, body, field):
    with pytest.raises(ValidationFailed) as error:
        services.create_template(cast.admin, title=title, body=body)
    assert error.value.field == field
    assert snapshot() == []


def test_department_and_agent_together_are_refused(cast):
    with pytest.raises(ValidationFailed):
        services.create_template(cast.admin, title="T", body="B", department_id=cast.tech.pk,
                                 agent_id=cast.john.pk)
    assert snapshot() == []


def test_agent_edits_own_template(cast, templates):
    services.update_template(cast.john, templates["john"].pk, title="New", body="Body")
    template = ResponseTemplate.objects.get(pk=templates["john"].pk)
    assert (template.title, template.body, template.agent) == ("New", "Body", cast.john)


def test_agent_cannot_edit_or_deactivate_department_template(cast, templates):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.update_template(cast.john, templates["tech"].pk, title="Mine now")
    with pytest.raises(Forbidden):
        services.deactivate_template(cast.john, templates["tech"].pk)
    assert snapshot() == before


def test_agent_cannot_touch_a_colleagues_personal_template(cast, templates):
    before = snapshot()
    with pytest.raises(NotFound):
        services.update_template(cast.john, templates["gary"].pk, body="x")
    with pytest.raises(NotFound):
        services.deactivate_template(cast.john, templates["gary"].pk)
    assert snapshot() == before


def test_agent_cannot_widen_own_template_to_everyone(cast, templates):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.update_template(cast.john, templates["john"].pk, agent_id=None)
    assert snapshot() == before


def test_supervisor_manages_any_template(cast, templates):
    services.update_template(cast.supervisor, templates["gary"].pk, department_id=cast.sales.pk,
                             agent_id=None)
    services.deactivate_template(cast.supervisor, templates["all"].pk)
    gary = ResponseTemplate.objects.get(pk=templates["gary"].pk)
    assert (gary.department, gary.agent) == (cast.sales, None)
    assert not ResponseTemplate.objects.get(pk=templates["all"].pk).active


def test_render_fills_placeholders(cast):
    ticket = cast.open(service_id=cast.alice_hosting.pk)
    template = services.create_template(
        cast.admin, title="Full",
        body="Dear {client_name}, #{ticket_number} ({service}) in {department} — {agent_name}",
    )
    text = services.render_template(cast.john, template.pk, ticket.number)
    assert text == (f"Dear Alice Client, #{ticket.number} (Hosting Pro (alice.example)) "
                    "in Technical support — John Smith")


def test_render_leaves_unknown_placeholders_and_stray_braces(cast):
    ticket = cast.open()
    template = services.create_template(
        cast.admin, title="T", body='{unknown} {0} {client_name!r} {"json": 1} { {client_name}'
    )
    text = services.render_template(cast.john, template.pk, ticket.number)
    assert text == '{unknown} {0} {client_name!r} {"json": 1} { Alice Client'


def test_render_never_follows_attributes(cast):
    ticket = cast.open()
    template = services.create_template(
        cast.admin, title="T",
        body="{ticket.client.user.password} {client_name.__class__} {agent_name[0]}",
    )
    text = services.render_template(cast.john, template.pk, ticket.number)
    assert text == "{ticket.client.user.password} {client_name.__class__} {agent_name[0]}"
    assert "pbkdf2" not in text and "md5" not in text


def test_render_refuses_invisible_ticket_or_template(cast, templates):
    sales_ticket = cast.staff_ticket(cast.sales)
    tech_ticket = cast.open()
    with pytest.raises(NotFound):
        services.render_template(cast.john, templates["all"].pk, sales_ticket.number)
    with pytest.raises(NotFound):
        services.render_template(cast.john, templates["gary"].pk, tech_ticket.number)
    with pytest.raises(NotFound):
        services.render_template(cast.john, "nonsense", tech_ticket.number)


def test_client_cannot_render_templates(cast, templates):
    ticket = cast.open()
    with pytest.raises(NotFound):
        services.render_template(cast.alice, templates["all"].pk, ticket.number)
