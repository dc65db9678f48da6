"""The parser on the generated corpus: no database, no server."""

import pytest

from zapros.core.html import link_images
from zapros.mail import parsing

from .corpus import CORPUS, GATEWAY, multipart, plain, text_part


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_corpus_mail_parses_as_expected(name):
    case = CORPUS[name]
    mail = parsing.parse(case.raw)
    if case.text:
        assert case.text in mail.text
    if case.subject:
        assert mail.subject == case.subject
    if case.from_name:
        assert mail.from_name == case.from_name
    if case.html:
        assert mail.html
    assert "\ufffd" not in mail.text + mail.subject + mail.from_name
    assert set(case.files) <= {part.name for part in mail.parts}
    assert len(mail.parts) == len(case.files) + case.notes
    expected_auto = {"auto_reply": parsing.AUTO_REPLY, "bounce": parsing.BOUNCE}
    assert mail.auto == expected_auto.get(case.status, "")
    assert mail.is_empty == (case.status == "empty")
    assert mail.is_addressed_to(GATEWAY) == (case.status != "not_ours")


def test_html_is_sanitised_for_display_and_turned_into_text():
    mail = parsing.parse(CORPUS["html_only"].raw)
    assert "<script" not in mail.html and "onerror" not in mail.html
    assert "<b>team</b>" in mail.html
    assert "alert" not in mail.text and "color:red" not in mail.text
    assert mail.text == "Hello team,\n\nthe site is down."


def test_sender_is_the_from_address_never_reply_to():
    mail = parsing.parse(CORPUS["spoofed_reply_to"].raw)
    assert mail.from_address == "stranger@example.org"
    assert mail.reply_to == "alice@example.com"


def test_a_mail_without_message_id_is_keyed_by_its_content():
    raw = CORPUS["no_message_id"].raw
    mail = parsing.parse(raw)
    assert mail.message_id == ""
    assert mail.key == parsing.parse(raw).key
    assert mail.key.startswith("sha256:")
    assert parsing.parse(raw + b"more").key != mail.key


def test_message_id_and_thread_headers_keep_their_brackets():
    mail = parsing.parse(CORPUS["reply_by_header"].raw)
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    assert mail.thread_ids == ["<sent-by-zapros-1@zapros.test>", "<older@x>"]


def test_inline_cid_image_is_kept_as_a_named_file():
    part = parsing.parse(CORPUS["cid_image"].raw).parts[0]
    assert (part.name, part.content_type, part.content_id, part.inline) == (
        "screen.png", "image/png", "shot1", True)


def test_forwarded_message_becomes_an_eml_file_with_its_headers():
    part = parsing.parse(CORPUS["forwarded"].raw).parts[0]
    assert part.name == "Outage notice.eml"
    assert part.content.startswith(b"From: noc@isp.example")
    assert b"Original words" in part.content


@pytest.mark.parametrize("raw", [
    b"",
    b"garbage without headers",
    b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n",
    b"From: <>\r\nTo: \r\nSubject: =?x-bad?Q?abc?=\r\n\r\nbody",
    b"Content-Type: text/plain; charset=\"\"\r\n\r\n\xff\xfe\x00broken",
])
def test_garbage_never_crashes(raw):
    mail = parsing.parse(raw)
    assert isinstance(mail.text, str)


def test_declared_charsets_are_honoured():
    for charset in ("koi8-r", "windows-1251", "iso-8859-5", "utf-8"):
        mail = parsing.parse(plain("Привет, мир", charset=charset))
        assert mail.text == "Привет, мир"


def test_display_html_keeps_only_the_mails_own_images():
    raw = multipart([text_part(
        '<p onclick="x()" style="color:red">Hi<img src="cid:logo@x" alt="logo" '
        'onerror="alert(1)" style="width:1px"><img src="https://tracker.example/p.gif">'
        '<img src="data:image/png;base64,AAAA"><img src="javascript:alert(2)">'
        '<a href="cid:logo@x">self</a><a href="javascript:alert(3)">js</a></p>', "html")])
    html = parsing.parse(raw).html
    assert html == ('<p>Hi<img src="cid:logo@x" alt="logo"><img><img><img>'
                    '<a rel="noopener noreferrer nofollow">self</a>'
                    '<a rel="noopener noreferrer nofollow">js</a></p>')
    linked = link_images(html, {"logo@x": "/files/1/?a&b"}.get)
    assert '<img src="/files/1/?a&amp;b" alt="logo">' in linked
    assert "cid:" not in link_images(html, {}.get)
