"""Generated tricky mails, built byte by byte the way real mailers (and broken ones) send them.

``CORPUS`` maps a name to a :class:`Case`: the raw mail and what must become of it. The
addresses: the gateway serves ``support@zapros.test``; ``alice@example.com`` is a known client,
``stranger@example.org`` is not.
"""

import base64
from dataclasses import dataclass, field
from email.header import Header
from urllib.parse import quote

GATEWAY = "support@zapros.test"
ALIAS = "help@zapros.test"
CLIENT = "alice@example.com"
STRANGER = "stranger@example.org"

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

_counter = [0]


def _mid() -> str:
    _counter[0] += 1
    return f"<corpus-{_counter[0]}@mailer.example>"


def headers(*, sender=CLIENT, to=GATEWAY, subject="Server is down", message_id=True,
            extra="") -> str:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
             "Date: Mon, 3 Mar 2025 10:00:00 +0000", "MIME-Version: 1.0"]
    if message_id:
        lines.append(f"Message-ID: {message_id if isinstance(message_id, str) else _mid()}")
    if extra:
        lines.append(extra.strip("\n"))
    return "\r\n".join(lines) + "\r\n"


def plain(body="My server does not answer since the morning.", *, charset="utf-8",
          encoding="8bit", **kw) -> bytes:
    head = headers(**kw) + (
        f"Content-Type: text/plain; charset={charset}\r\n" if charset
        else "Content-Type: text/plain\r\n"
    ) + f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    data = body if isinstance(body, bytes) else body.encode(charset or "utf-8")
    # Raw 8-bit headers: a latin-1 string stands for bytes, anything else goes out as UTF-8.
    head = head.encode("latin-1") if max(map(ord, head)) < 256 else head.encode("utf-8")
    return head + data.replace(b"\n", b"\r\n") + b"\r\n"


def multipart(parts: list[bytes], *, subtype="mixed", boundary=None, params="", **kw) -> bytes:
    boundary = boundary or f"b-{subtype}-{len(parts)}-{_counter[0]}"
    head = headers(**kw) + (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}\r\n\r\n'
    )
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return head.encode("utf-8") + b"This is a multi-part message.\r\n" + body + (
        b"--" + boundary.encode() + b"--\r\n")


def text_part(text: str, subtype="plain", charset="utf-8") -> bytes:
    return (f"Content-Type: text/{subtype}; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + text.encode(charset)


def file_part(name_header: str | bytes, content: bytes, content_type: str, *, inline=False,
              content_id="") -> bytes:
    """A base64 file part; a ``name_header`` given as bytes goes out as those bytes."""
    disposition = "inline" if inline else "attachment"
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
    name = name_header if isinstance(name_header, bytes) else name_header.encode()
    head = head.encode() + f"Content-Disposition: {disposition}; ".encode() + name + b"\r\n"
    if content_id:
        head += f"Content-ID: <{content_id}>\r\n".encode()
    encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
    return head + b"\r\n" + encoded


def undeclared(body: bytes, *, subject: bytes = b"Server is down", sender=CLIENT,
               content_type="text/plain", top=b"") -> bytes:
    """A mail as old Russian clients send it: 8-bit header and body, no charset anywhere."""
    return (top + f"From: {sender}\r\nTo: {GATEWAY}\r\n".encode() + b"Subject: " + subject
            + f"\r\nMessage-ID: {_mid()}\r\nMIME-Version: 1.0\r\n"
              f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            .encode() + body + b"\r\n")


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def nested_part(parts: list[bytes], subtype: str, boundary: str) -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return head + body + b"--" + boundary.encode() + b"--"


@dataclass
class Case:
    raw: bytes
    status: str                       # InboundMail status, "not_ours" or "duplicate"
    text: str = ""                    # a piece the imported text must contain
    subject: str = ""                 # the exact subject after decoding
    files: list[str] = field(default_factory=list)   # attachment names kept
    notes: int = 0                    # files left out with a note
    from_name: str = ""
    html: bool = False                # the mail kept sanitised HTML for display
    reply: bool = False               # goes into the existing ticket (the ticket is tagged)
    seed_message_id: str = ""         # a Message-ID stored on the existing ticket's message


BIG = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10)


def _russian_name(name: str, charset: str) -> str:
    return Header(name, charset).encode()


def build() -> dict[str, Case]:
    russian = "Не работает сайт, помогите пожалуйста"
    short = "Не работает почта"
    cases = {
        "utf8": Case(plain(russian), "ticket", text=russian),
        "koi8r": Case(plain(russian, charset="koi8-r"), "ticket", text=russian),
        "cp1251": Case(plain(russian, charset="windows-1251"), "ticket", text=russian),
        "latin1": Case(plain("Le café est fermé, ça ne marche pas.", charset="iso-8859-1"),
                       "ticket", text="Le café est fermé"),
        "wrong_charset": Case(
            headers().encode() + b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            + ("Сервер недоступен уже третий день, клиенты жалуются, помогите разобраться "
               "с проблемой как можно скорее").encode("cp1251") + b"\r\n",
            "ticket", text="Сервер недоступен"),
        "unknown_charset": Case(plain(b"Plain words here", charset="x-no-such-charset"),
                                "ticket", text="Plain words here"),
        "no_charset_8bit": Case(
            headers().encode() + b"Content-Type: text/plain\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            + ("Добрый день! Письмо без указания кодировки, но с русскими буквами внутри, "
               "проверяем, что оно читается").encode() + b"\r\n",
            "ticket", text="Письмо без указания кодировки"),
        "rfc2047": Case(
            plain("Body", subject=_russian_name("Счёт не оплачен", "utf-8"),
                  sender=f"{_russian_name('Алиса Клиентова', 'koi8-r')} <{CLIENT}>"),
            "ticket", subject="Счёт не оплачен", from_name="Алиса Клиентова"),
        "raw_8bit_subject": Case(
            plain("Body", subject="Привет, не работает почта на сервере".encode("cp1251")
                  .decode("latin-1")),
            "ticket", subject="Привет, не работает почта на сервере"),
        "html_only": Case(
            headers().encode() + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
            b"<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
            b"<body><p>Hello <b>team</b>,</p><p>the site is <i>down</i>.</p>"
            b"<img src=x onerror=alert(1)></body></html>\r\n",
            "ticket", text="the site is down", html=True),
        "alternative": Case(
            multipart([text_part("Plain words win"),
                       text_part("<p>HTML words <b>lose</b></p>", "html")],
                      subtype="alternative"),
            "ticket", text="Plain words win", html=True),
        "nested": Case(
            multipart([
                nested_part([text_part("Nested plain body"),
                             text_part("<p>Nested html</p>", "html")], "alternative", "inner-alt"),
                file_part('filename="report.pdf"', PDF, "application/pdf"),
            ]),
            "ticket", text="Nested plain body", files=["report.pdf"], html=True),
        "cid_image": Case(
            multipart([
                nested_part([text_part("See the screenshot"),
                             text_part('<p>See <img src="cid:shot1"></p>', "html")],
                            "alternative", "rel-alt"),
                file_part('filename="screen.png"', PNG, "image/png", inline=True,
                          content_id="shot1"),
            ], subtype="related"),
            "ticket", text="See the screenshot", files=["screen.png"], html=True),
        "rfc2231_name": Case(
            multipart([text_part("With a Russian file name"),
                       file_part("filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf", PDF,
                                 "application/pdf")]),
            "ticket", files=["отчёт.pdf"]),
        "big_attachment": Case(
            multipart([text_part("Here is the dump"),
                       file_part('filename="dump.pdf"', BIG, "application/pdf"),
                       file_part('filename="small.png"', PNG, "image/png")]),
            "ticket", text="Here is the dump", files=["small.png"], notes=1),
        "forbidden_kind": Case(
            multipart([text_part("A program attached"),
                       file_part('filename="setup.exe"', b"MZ\x90\x00binary",
                                 "application/x-msdownload")]),
            "ticket", text="A program attached", notes=1),
        "forwarded": Case(
            multipart([text_part("Forwarding the provider's mail"),
                       b"Content-Type: message/rfc822\r\n\r\n" + plain(
                           "Original words", subject="Outage notice", sender="noc@isp.example")]),
            "ticket", files=["Outage notice.eml"]),
        "no_message_id": Case(plain("No id at all", message_id=False), "ticket",
                              text="No id at all"),
        "quoted_reply": Case(
            plain("Still broken.\n\nOn Mon, 3 Mar 2025 John wrote:\n> Try again\n> please",
                  subject="Re: [#TAG] Site is down"),
            "reply", text="> Try again", reply=True),
        "reply_by_header": Case(
            plain("Answer by headers only", subject="Re: your question",
                  extra="In-Reply-To: <sent-by-zapros-1@zapros.test>\r\n"
                        "References: <older@x> <sent-by-zapros-1@zapros.test>"),
            "reply", text="Answer by headers only",
            seed_message_id="<sent-by-zapros-1@zapros.test>"),
        "reply_header_bare_id": Case(
            plain("Stored id without brackets", subject="Re: hello",
                  extra="In-Reply-To: <bare-id-2@zapros.test>"),
            "reply", seed_message_id="bare-id-2@zapros.test"),
        "russian_quote": Case(
            plain("Спасибо, заработало.\n\n3 марта 2025 г., Джон писал(а):\n> Перезагрузите",
                  subject="Re: [#TAG] вопрос"),
            "reply", text="писал(а)", reply=True),
        "outlook_quote": Case(
            plain("Thanks!\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n"
                  "Subject: RE: [#TAG]\n\nOld text", subject="RE: [#TAG] Site"),
            "reply", text="Original Message", reply=True),
        "to_alias": Case(plain("Sent to the alias only", to=ALIAS), "not_ours"),
        "to_both": Case(plain("Sent to both", to=f"{ALIAS}, {GATEWAY.upper()}"), "ticket",
                        text="Sent to both"),
        "cc_gateway": Case(
            plain("Copy to support", to="someone@example.net",
                  extra=f"Cc: Support <{GATEWAY}>"), "ticket", text="Copy to support"),
        "spoofed_reply_to": Case(
            plain("Please refund me", sender=STRANGER, extra=f"Reply-To: {CLIENT}"),
            "incoming", text="Please refund me"),
        "unknown_sender": Case(plain("Who am I", sender=f"Stranger <{STRANGER}>"), "incoming",
                               from_name="Stranger"),
        "sender_case": Case(plain("Upper-case sender", sender="ALICE@Example.COM"), "ticket"),
        "auto_submitted": Case(plain("I am away", extra="Auto-Submitted: auto-replied"),
                               "auto_reply"),
        "auto_submitted_no": Case(plain("A person wrote this", extra="Auto-Submitted: no"),
                                  "ticket"),
        "precedence_bulk": Case(plain("Newsletter", extra="Precedence: bulk"), "auto_reply"),
        "precedence_junk": Case(plain("Junk", extra="Precedence: junk"), "auto_reply"),
        "precedence_list": Case(plain("List", extra="Precedence: list"), "auto_reply"),
        "x_autoreply": Case(plain("Out of office", extra="X-Autoreply: yes"), "auto_reply"),
        "x_auto_response_suppress": Case(
            plain("Exchange notice", extra="X-Auto-Response-Suppress: All"), "auto_reply"),
        "mailer_daemon": Case(plain("Delivery failed", sender="MAILER-DAEMON@mx.example"),
                              "bounce"),
        "postmaster": Case(plain("Undeliverable", sender="postmaster@mx.example"), "bounce"),
        "dsn": Case(
            multipart([text_part("Your message could not be delivered."),
                       b"Content-Type: message/delivery-status\r\n\r\n"
                       b"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; x@y\r\n"
                       b"Action: failed\r\nStatus: 5.1.1\r\n"],
                      subtype="report", params="; report-type=delivery-status",
                      sender="bounces@mx.example"),
            "bounce"),
        "empty": Case(plain("", subject=""), "empty"),
        "subject_only": Case(plain("", subject="Please call me back"), "ticket",
                             subject="Please call me back"),
        "empty_multipart": Case(multipart([text_part("   ")], subject=""), "empty"),
        "attachment_only": Case(
            multipart([file_part('filename="scan.pdf"', PDF, "application/pdf")]),
            "ticket", files=["scan.pdf"]),
        "broken_base64": Case(
            headers().encode() + b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.b64encode(b"Base64 words") + b"!!!\r\n",
            "ticket", text="Base64 words"),
        **real_world(short),
    }
    return cases


def real_world(short: str) -> dict[str, Case]:
    """Shapes of mail met in other help desks' public test corpora."""
    gbk = "服务器坏了，喆"  # 喆 is in GBK, not in GB2312
    return {
        "koi8r_undeclared": Case(
            undeclared(short.encode("koi8-r"), subject=short.encode("koi8-r")),
            "ticket", subject=short, text=short),
        "cp1251_undeclared": Case(
            undeclared("Пароль не подходит".encode("cp1251"), subject=short.encode("cp1251")),
            "ticket", subject=short, text="Пароль не подходит"),
        "koi8r_labelled_us_ascii": Case(plain(short.encode("koi8-r"), charset="us-ascii"),
                                        "ticket", text=short),
        "koi8r_subject_in_caps": Case(
            undeclared(b"", subject="СРОЧНО: сервер недоступен".encode("koi8-r")),
            "ticket", subject="СРОЧНО: сервер недоступен"),
        "gbk_labelled_gb2312": Case(
            plain(gbk.encode("gbk"), charset="gb2312",
                  subject=f"=?gb2312?B?{base64.b64encode(gbk.encode('gbk')).decode()}?="),
            "ticket", subject=gbk, text=gbk),
        "gb2312_undeclared": Case(
            undeclared("服务器不能正常工作了".encode("gb2312")), "ticket",
            text="服务器不能正常工作了"),
        "latin1_with_windows_quotes": Case(
            plain("It’s “broken” again — €5 lost".encode("cp1252"), charset="iso-8859-1"),
            "ticket", text="It’s “broken” again — €5 lost"),
        "latin1_label_on_cp1251": Case(
            plain(russian_sample().encode("cp1251"), charset="iso-8859-1"), "ticket",
            text=russian_sample()),
        "ks_c_5601_with_cp949": Case(
            plain("햏, 서버".encode("cp949"), charset="ks_c_5601-1987"),
            "ticket", text="햏, 서버"),
        "iso2022jp_with_nec_rows": Case(
            plain(b"\x1b$B-!%5!<%P!<\x1b(B", charset="iso-2022-jp"), "ticket",
            text="①サーバ"),
        "html_meta_charset": Case(
            undeclared('<html><head><meta http-equiv="Content-Type" content="text/html; '
                       'charset=windows-1251"></head><body><p>Ёлка не горит</p></body></html>'
                       .encode("cp1251"), content_type="text/html"),
            "ticket", text="Ёлка не горит", html=True),
        "raw_8bit_file_name": Case(
            multipart([text_part("A file with a raw name"),
                       file_part('filename="Отчёт.pdf"'.encode("cp1251"), PDF,
                                 "application/pdf")]),
            "ticket", files=["Отчёт.pdf"]),
        "rfc2231_us_ascii_8bit_name": Case(
            multipart([text_part("A file named in RFC 2231 under us-ascii"),
                       file_part("filename*=us-ascii''" + quote("Отчёт.pdf".encode("koi8-r")),
                                 PDF, "application/pdf")]),
            "ticket", files=["Отчёт.pdf"]),
        "rfc2047_file_name": Case(
            multipart([text_part("Outlook names files in RFC 2047"),
                       file_part(f'filename="{encoded_word("счёт.pdf", "utf-8")}"', PDF,
                                 "application/pdf")]),
            "ticket", files=["счёт.pdf"]),
        "adjacent_encoded_words": Case(
            plain("Body", sender=f"{encoded_word('Алиса', 'utf-8')} "
                                 f"{encoded_word('Клиентова', 'utf-8')} <{CLIENT}>",
                  subject=f"{encoded_word('Счёт ', 'koi8-r')}\r\n "
                          f"{encoded_word('не оплачен', 'koi8-r')}"),
            "ticket", subject="Счёт не оплачен", from_name="АлисаКлиентова"),
        "split_character": Case(
            plain("Body", subject="=?utf-8?B?0J3Q?= =?utf-8?B?tSDRgNCw0LHQvtGC0LDQtdGC?="),
            "ticket", subject="Не работает"),
        "name_in_comment": Case(
            plain("Body", sender=f"{CLIENT} (Alice Client)"), "ticket",
            from_name="Alice Client"),
        "garbage_first_line": Case(
            b"\x00\x00garbage from a broken exporter\r\n" + plain("Body under garbage"),
            "ticket", subject="Server is down", text="Body under garbage"),
        "badly_folded_header": Case(
            plain("Body after a bad fold", subject="Server is down\r\nsince the morning"),
            "ticket", subject="Server is down since the morning",
            text="Body after a bad fold"),
    }


def russian_sample() -> str:
    return "Добрый день! Не могу зайти в панель управления"


CORPUS = build()
