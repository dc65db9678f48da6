"""The parser on the generated corpus: no database, no server."""

import quopri

import pytest

from zapros.core.html import link_images
from zapros.mail import parsing

from .corpus import CORPUS, GATEWAY, multipart, plain, text_part, undeclared


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
    assert mail.key.startswith("mail:")
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
    b"Content-Type: text/plain; charset=koi\x008-r\r\n\r\n\xff words",
    b"Subject: =?koi\xbe-r?B?896j1CA=?=\r\nContent-Type: text/plain; charset=k\xbe\r\n\r\n\xff",
    b"Subject: =?utf-8?B?0J3Q?= =?utf-8?Q?=ZZ?=\r\n\x1b$B\r\nFrom: x\r\n\r\n\x1b$B-!",
    b"\r\n\r\nFrom: a@b\r\n\r\n",
    b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$B-\x1b(I\xff\x1b$(D",
    b"Content-Disposition: attachment; filename*=utf-8''%FF%FE; filename*0*=x\r\n\r\nx",
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


# --- Real-world decoding ------------------------------------------------------------------------

RUSSIAN_SUBJECTS = [
    "Не работает почта", "Счёт на оплату", "Re: Заявка на ремонт", "Помогите!", "Да",
    "СРОЧНО: сервер недоступен", "Здравствуйте, у нас не открывается сайт", "Хостинг",
    "Отчёт за март", "Ошибка при входе в личный кабинет", "ВАЖНО", "Доступ к FTP",
    "Ещё вопрос", "Подключение интернета", "Жду ответа", "Продление услуги",
]


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251"])
@pytest.mark.parametrize("text", RUSSIAN_SUBJECTS)
def test_short_undeclared_cyrillic_is_read_as_russian(text, charset):
    raw = undeclared(text.encode(charset), subject=text.encode(charset))
    mail = parsing.parse(raw)
    assert (mail.subject, mail.text) == (text, text)


def test_the_served_languages_decide_between_two_plausible_readings():
    raw = undeclared("Добрый день".encode("koi8-r"))
    assert parsing.parse(raw).text == "Добрый день"
    assert parsing.parse(raw, languages=["en", "ru"]).text == "Добрый день"
    # Read for a Chinese deployment, the same bytes are (just as plausible) Chinese.
    assert parsing.parse(raw, languages=["zh-hans"]).text != "Добрый день"


@pytest.mark.parametrize(("text", "codec"), [
    ("服务器不能正常工作了", "gb2312"),
    ("這是一個測試", "big5"),
    ("サーバーが動きません", "shift_jis"),
    ("サーバーが動きません", "euc_jp"),
    ("서버가 작동하지 않습니다", "euc_kr"),
    ("Le café est fermé, ça ne marche pas", "cp1252"),
    ("It’s “broken” — €5", "cp1252"),
    ("Dzień dobry, nie działa", "cp1250"),
])
def test_undeclared_text_of_other_languages_is_still_recognised(text, codec):
    assert parsing.parse(undeclared(text.encode(codec))).text == text


@pytest.mark.parametrize(("label", "text", "codec"), [
    ("gb2312", "服务器坏了，喆", "gbk"),
    ("GB2312", "𠀀 in GB18030", "gb18030"),
    ("iso-8859-1", "It’s “quoted” – really…", "cp1252"),
    ("latin1", "Œuvre", "cp1252"),
    ("iso-8859-1", "Le café est fermé", "utf-8"),
    ("iso-8859-1", "Не работает почта", "utf-8"),
    ("ks_c_5601-1987", "햏, 서버", "cp949"),
    ("euc-kr", "뷁", "cp949"),
    ("shift_jis", "①番の部屋", "cp932"),
    ("big5", "香港𨋢", "big5hkscs"),
    ("iso-8859-9", "Şu an ‘çalışmıyor’", "cp1254"),
    ("us-ascii", "Не работает почта", "koi8-r"),
    ("iso-8859-1", "Добрый день! Не могу зайти в панель управления", "cp1251"),
])
def test_declared_charsets_are_read_as_mail_clients_read_them(label, text, codec):
    mail = parsing.parse(plain(text.encode(codec), charset=label))
    assert mail.text == text


def test_iso_2022_jp_with_windows_rows_and_half_width_katakana():
    # "①" is NEC row 13 (CP50221); ESC ( I switches to half-width katakana.
    raw = plain(b"\x1b$B-!\x1b(B \x1b(I6E\x1b(B ok", charset="ISO-2022-JP")
    assert parsing.parse(raw).text == "① ｶﾅ ok"


@pytest.mark.parametrize(("value", "text"), [
    ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
    ("=?utf-8?q?a?=\r\n\t=?koi8-r?q?b?=", "ab"),
    ("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c"),
    ("=?utf-8?q?a_?= =?utf-8?q?b?=", "a b"),
    ("Re: =?utf-8?B?0J3Q?= =?utf-8?B?tQ==?= now", "Re: Не now"),
    ("=?windows-1251?Q?=CD=E5?= =?koi8-r?Q?_=D2=C1=C2=CF=D4=C1=C5=D4?=", "Не работает"),
    ("=?x-unknown?Q?plain?= words", "plain words"),
    ("=?utf-8?B?!!!?= stays", "=?utf-8?B?!!!?= stays"),
    ("no words at all", "no words at all"),
    ("=?utf-8?Q?Hello World?= =?utf-8?B?IQ =?=", "Hello World!"),
    ("=?ISO-2022-JP?B?GyRCJTUhPCVQGyhC?=", "サーバ"),
])
def test_encoded_words_are_joined_as_rfc_2047_says(value, text):
    assert parsing.decode_header(value) == text


def test_a_body_without_the_blank_line_stays_the_body():
    raw = plain("x").split(b"Content-Type")[0] + b"Just words here\r\nNote: more words\r\n"
    mail = parsing.parse(raw)
    assert mail.subject == "Server is down"
    assert "Just words here" in mail.text and "Note: more words" in mail.text


@pytest.mark.parametrize("name", sorted(set(CORPUS) - {"garbage_first_line",
                                                      "badly_folded_header"}))
def test_a_well_formed_header_block_is_left_as_it_is(name):
    assert parsing.recover_headers(CORPUS[name].raw) is CORPUS[name].raw


def test_a_second_delivery_of_a_mail_has_its_key_a_reused_message_id_does_not():
    raw = plain("Слова, которые важны", message_id="<one@x>")
    head, _, body = raw.partition(b"\r\n\r\n")
    # A server on the way adds its trace headers and re-encodes the 8-bit text.
    redelivered = (b"Received: from mx2.example by mx.zapros.test; Tue, 4 Mar 2025\r\n"
                   b"Delivered-To: support@zapros.test\r\n"
                   + head.replace(b"Content-Transfer-Encoding: 8bit",
                                  b"Content-Transfer-Encoding: quoted-printable")
                   + b"\r\n\r\n" + quopri.encodestring(body))
    other = plain("Другие слова", message_id="<one@x>")
    key = parsing.parse(raw).key
    assert parsing.parse(redelivered).text == "Слова, которые важны"
    assert parsing.parse(redelivered).key == key
    assert parsing.parse(other).key != key
