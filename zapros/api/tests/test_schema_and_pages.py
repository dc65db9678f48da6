import re

from django.test import Client

from zapros.tickets import services

from .conftest import post_json, snapshot


def test_the_openapi_schema_lists_every_path(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Zapros API"
    paths = set(schema["paths"])
    for path in (
        "/api/v1/me", "/api/v1/tickets", "/api/v1/tickets/{number}",
        "/api/v1/tickets/{number}/messages", "/api/v1/tickets/{number}/take",
        "/api/v1/tickets/{number}/unlock", "/api/v1/tickets/{number}/reassign",
        "/api/v1/tickets/{number}/freeze", "/api/v1/tickets/{number}/resume",
        "/api/v1/tickets/{number}/resolve", "/api/v1/tickets/{number}/archive",
        "/api/v1/tickets/{number}/parameters",
        "/api/v1/tickets/{number}/messages/{message_id}/rating",
        "/api/v1/attachments/{attachment_id}",
    ):
        assert path in paths, path
    upload = schema["paths"]["/api/v1/tickets/{number}/messages"]["post"]["requestBody"]
    assert {"multipart/form-data", "application/json"} <= set(upload["content"])
    assert {"ClientTicketOut", "StaffTicketOut"} <= set(schema["components"]["schemas"])


def test_the_docs_page_loads_its_assets_from_zapros(db):
    response = Client().get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/static/") for source in sources), sources
    assert "/api/v1/openapi.json" in html
    assert "script-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]


def test_the_list_runs_a_constant_number_of_queries(cast, api_as,
                                                    django_assert_max_num_queries):
    john, alice = api_as(cast.john), api_as(cast.alice)
    for size in (3, 30):
        while cast.tech.tickets.count() < size:
            ticket = cast.open(service_id=cast.alice_hosting.pk)
            services.take(cast.john, ticket.number)
        with django_assert_max_num_queries(4):
            staff_page = john.get("/api/v1/tickets").json()
        with django_assert_max_num_queries(4):
            client_page = alice.get("/api/v1/tickets").json()
        assert len(staff_page["items"]) == len(client_page["items"]) == size
    # The list reads only the columns its items show: what it shows matches the request's own.
    item = staff_page["items"][0]
    detail = john.get(f"/api/v1/tickets/{item['number']}").json()
    assert item["service"]["name"] and item["holder"]
    assert {key: detail[key] for key in item if key != "client"} == {
        key: value for key, value in item.items() if key != "client"}
    assert item["client"].items() <= detail["client"].items()


def test_the_detail_runs_a_constant_number_of_queries(cast, api_as,
                                                      django_assert_max_num_queries):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.transfer(cast.john, ticket.number, department_id=cast.sales.pk)
    john = api_as(cast.john)
    for size in (2, 20):
        while ticket.messages.count() < size:
            services.reply(cast.john, ticket.number, body="More", close=False, note="Note",
                             files=[("a.txt", b"text")])
        with django_assert_max_num_queries(9):
            detail = john.get(f"/api/v1/tickets/{ticket.number}").json()
        assert len(detail["messages"]) >= size


def test_pages_follow_the_next_cursor_to_the_end(cast, api_as):
    numbers = [cast.open(subject=f"Question {i}").number for i in range(7)]
    client = api_as(cast.alice)

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/tickets", params).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == sorted(numbers, reverse=True)


def test_a_bad_cursor_is_a_422_naming_it(cast, api_as):
    cast.open()

    response = api_as(cast.alice).get("/api/v1/tickets", {"cursor": "not-a-cursor"})

    assert (response.status_code, response.json()["field"]) == (422, "cursor")


def test_staff_filter_the_queue_like_the_workspace(cast, api_as):
    waiting = cast.open(subject="Waiting")
    answered = cast.open(subject="Answered")
    services.take(cast.john, answered.number)
    services.reply(cast.john, answered.number, body="Done", close=True)
    john = api_as(cast.john)

    def numbers(**filters):
        return [item["number"] for item in john.get("/api/v1/tickets", filters).json()["items"]]

    assert numbers(needs_reply="true") == [waiting.number]
    assert numbers(status="awaiting_client") == [answered.number]
    assert numbers(state="new") == [waiting.number]
    assert numbers(assignee=cast.john.pk) == [answered.number]
    assert numbers(assignee=0) == [waiting.number]
    bad = john.get("/api/v1/tickets", {"status": "bogus"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "status"]


def test_a_get_request_changes_nothing_for_staff(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    api_as(cast.john).get(f"/api/v1/tickets/{ticket.number}")
    api_as(cast.john).get(f"/api/v1/tickets/{ticket.number}/messages")

    assert snapshot() == before


def test_staff_pages_follow_the_queue_order_and_refuse_an_altered_cursor(cast, api_as):
    waiting = [cast.open(subject=f"Waiting {i}").number for i in range(3)]
    answered = cast.open(subject="Answered")
    services.take(cast.john, answered.number)
    services.reply(cast.john, answered.number, body="Done", close=True)
    john = api_as(cast.john)

    seen, cursor = [], None
    while True:
        page = john.get("/api/v1/tickets", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [item["number"] for item in page.json()["items"]]
        cursor = page.json()["next"]
        if cursor is None:
            break

    # Needing a reply first, the nearest deadline (the oldest question) first.
    assert seen == [*sorted(waiting), answered.number]
    first = john.get("/api/v1/tickets", {"limit": 2}).json()
    altered = john.get("/api/v1/tickets", {"limit": 2, "cursor": first["next"][:-2] + "zz"})
    assert (altered.status_code, altered.json()["field"]) == (422, "cursor")


def test_empty_required_text_is_refused_as_documented(cast, api_as):
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    before = snapshot()

    response = post_json(api_as(cast.alice), "/api/v1/tickets",
                         {"department": cast.tech.pk, "subject": "", "body": ""})

    assert schema["TicketIn"]["properties"]["subject"]["minLength"] == 1
    assert schema["TicketIn"]["properties"]["body"]["minLength"] == 1
    assert response.status_code == 422
    assert {tuple(p["loc"]) for p in response.json()["detail"]} == {
        ("body", "payload", "subject"), ("body", "payload", "body")}
    assert snapshot() == before


def test_every_operation_documents_its_error_answers(db):
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    unprocessable = {"anyOf": [{"$ref": "#/components/schemas/ErrorOut"},
                               {"$ref": "#/components/schemas/ValidationErrorOut"}]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["422"]["content"]["application/json"]["schema"] == unprocessable
            assert "401" in responses, (method, path)
            if method != "get":
                assert {"400", "413"} <= set(responses), (method, path)
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)
    problem = components["ProblemOut"]["properties"]
    assert set(problem) == {"type", "loc", "msg"}
    assert components["ValidationErrorOut"]["properties"]["detail"]["items"] == {
        "$ref": "#/components/schemas/ProblemOut"}


def test_each_body_is_documented_with_its_own_schema(db):
    schema = Client().get("/api/v1/openapi.json").json()
    attach = schema["paths"]["/api/v1/incoming/{mail_id}/attach"]["post"]
    patch_client = schema["paths"]["/api/v1/clients/{client_id}"]["patch"]

    def body_schema(operation):
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    assert set(body_schema(attach)["properties"]) == {"client"}
    assert set(body_schema(patch_client)["properties"]) == {"internal_comment"}
