"""Input the API cannot use is refused in JSON, never with a 500 or an HTML page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zapros.tickets import services

from .conftest import post_json, snapshot

NUL = "\x00"


def nul_refusal(response, *loc):
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/json"
    problems = response.json()["detail"]
    assert {"type": "null_character", "loc": list(loc),
            "msg": "Null characters are not allowed."} in problems


def test_a_nul_in_a_json_body_is_refused_and_nothing_is_written(cast, api_as):
    alice = api_as(cast.alice)
    before = snapshot()

    response = post_json(alice, "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": f"Site{NUL}down", "body": "Help"})

    nul_refusal(response, "body", "subject")
    assert snapshot() == before


def test_a_nul_deep_in_json_or_in_a_key_is_found(cast, api_as):
    ticket = cast.held()
    john = api_as(cast.john)
    before = snapshot()

    deep = post_json(john, f"/api/v1/tickets/{ticket.number}/messages",
                     {"body": "Hi", "parameters": {"subject": f"x{NUL}"}})
    key = post_json(john, f"/api/v1/tickets/{ticket.number}/messages",
                    {"body": "Hi", f"no{NUL}te": "x"})

    nul_refusal(deep, "body", "parameters", "subject")
    nul_refusal(key, "body", "note")
    assert snapshot() == before


def test_a_nul_in_the_query_is_refused(cast, api_as):
    john = api_as(cast.john)

    nul_refusal(john.get("/api/v1/search", {"q": f"backup{NUL}"}), "query", "q")
    nul_refusal(john.get("/api/v1/tickets", {"cursor": NUL}), "query", "cursor")


def test_a_nul_in_the_path_is_refused(cast, api_as):
    ticket = cast.open()
    alice = api_as(cast.alice)

    nul_refusal(alice.delete(f"/api/v1/tickets/{ticket.number}/cc/a%00@example.com"), "path")


def test_a_nul_in_a_multipart_field_is_refused(cast, api_as):
    ticket = cast.open()
    alice = api_as(cast.alice)
    before = snapshot()

    field = alice.post(f"/api/v1/tickets/{ticket.number}/messages", {"body": f"a{NUL}b"})
    key = alice.post(f"/api/v1/tickets/{ticket.number}/messages",
                     {"body": "Hi", f"no{NUL}te": "x"})

    nul_refusal(field, "body", "body")
    nul_refusal(key, "body", "note")
    assert snapshot() == before


def test_a_nul_in_a_file_name_never_reaches_the_database(cast, api_as):
    # Django's multipart parser drops it from the name.
    ticket = cast.open()
    upload = SimpleUploadedFile(f"log{NUL}.txt", b"text", content_type="text/plain")

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/messages",
                                       {"body": "See the log", "attachments": [upload]})

    assert response.status_code == 201
    assert [a["name"] for a in response.json()["attachments"]] == ["log.txt"]


def test_an_escaped_nul_is_an_ordinary_backslash(cast, api_as):
    ticket = cast.open()

    response = post_json(api_as(cast.alice), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": "C:\\u0000 is a path"})

    assert response.status_code == 201, response.content
    assert response.json()["body"] == "C:\\u0000 is a path"


def test_a_body_over_the_limit_is_413_with_the_limit(cast, api_as, settings):
    settings.ZAPROS_API_MAX_REQUEST_BYTES = 1000
    before = snapshot()

    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": "Big", "body": "x" * 2000})

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is too large: at most 1000 bytes are accepted."}
    assert snapshot() == before


def test_a_json_body_over_djangos_memory_limit_is_413(cast, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500
    before = snapshot()

    response = post_json(api_as(cast.alice), "/api/v1/tickets", {
        "department": cast.tech.pk, "subject": "Big", "body": "x" * 2000})

    assert response.status_code == 413
    assert "500 bytes" in response.json()["detail"]
    assert snapshot() == before


def test_too_many_form_fields_is_413(cast, api_as, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    ticket = cast.open()
    before = snapshot()

    response = api_as(cast.alice).post(
        f"/api/v1/tickets/{ticket.number}/messages",
        "&".join(f"f{i}=x" for i in range(10)) + "&body=hi",
        content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert "at most 5" in response.json()["detail"]
    assert snapshot() == before


def test_too_many_query_fields_is_413(cast, api_as, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5

    response = api_as(cast.john).get("/api/v1/tickets?" + "&".join(
        f"f{i}=x" for i in range(10)))

    assert response.status_code == 413
    assert "at most 5" in response.json()["detail"]


def test_too_many_files_is_413(cast, api_as, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    ticket = cast.open()
    before = snapshot()
    files = [SimpleUploadedFile(f"{i}.txt", b"x", content_type="text/plain") for i in range(3)]

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/messages",
                                       {"body": "Files", "attachments": files})

    assert response.status_code == 413
    assert "at most 2" in response.json()["detail"]
    assert snapshot() == before


def test_multipart_without_a_boundary_is_400_json(cast, api_as):
    ticket = cast.open()
    before = snapshot()

    response = api_as(cast.alice).post(f"/api/v1/tickets/{ticket.number}/messages",
                                       b"body=hi", content_type="multipart/form-data")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The form data cannot be read: it is not valid multipart."}
    assert snapshot() == before


def test_a_content_length_that_is_not_a_number_is_400_json(cast, api_as):
    response = api_as(cast.john).get("/api/v1/me", CONTENT_LENGTH="many")

    assert response.status_code == 400
    assert "Content-Length" in response.json()["detail"]


def test_bad_json_is_422_in_the_validation_shape(cast, api_as):
    before = snapshot()

    response = api_as(cast.alice).post("/api/v1/tickets", b"{not json",
                                       content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1/tickets/1/nothing",
                                  "/api/v1/ticket"])
def test_an_unknown_address_is_404_json(cast, api_as, path):
    response = api_as(cast.john).get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no such address in the API."}


def test_a_method_the_address_does_not_take_is_405_json(cast, api_as):
    response = api_as(cast.john).put("/api/v1/tickets")

    assert response.status_code == 405
    assert response.json() == {"detail": "This address does not take the PUT method."}
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_server_error_is_json_too(cast, api_as, monkeypatch):
    # Outside our code: the database refusing is the kind of failure a 500 is for.
    from django.db import connection

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    client = api_as(cast.john)
    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(connection, "ensure_connection", broken)
        response = client.get("/api/v1/me")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


def test_the_messages_speak_the_callers_language(cast, api_as):
    cast.alice.language = "ru"
    cast.alice.save()
    ticket = cast.open()
    services.take(cast.john, ticket.number)

    response = post_json(api_as(cast.alice), f"/api/v1/tickets/{ticket.number}/messages",
                         {"body": NUL})

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] != "Null characters are not allowed."


def test_pages_outside_the_api_keep_their_html_errors(db):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
