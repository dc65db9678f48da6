"""Checking uploads before anything is stored: kinds, contents, names and sizes; and the files
of a write that fails are removed again."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from zapros.core.errors import ValidationFailed
from zapros.tickets import services
from zapros.tickets.attachments import clean_filename, prepare_uploads
from zapros.tickets.models import Attachment, Event

from .conftest import stored_files, world

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
GIF87 = b"GIF87a" + bytes(20)
GIF89 = b"GIF89a" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(20)


def prepared_one(name, content):
    [upload] = prepare_uploads([(name, content)])
    return upload


def refusal(name, content):
    with pytest.raises(ValidationFailed) as error:
        prepare_uploads([(name, content)])
    assert error.value.field == "attachments"
    assert str(error.value.message).strip()
    return str(error.value.message)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screen.png", PNG, "image/png"),
        ("old.gif", GIF87, "image/gif"),
        ("anim.gif", GIF89, "image/gif"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("PHOTO.JPG", JPEG, "image/jpeg"),
        ("invoice.pdf", PDF, "application/pdf"),
        ("notes.txt", b"plain words\n", "text/plain"),
        ("server.log", b"2025-01-01 error: disk full\n", "text/plain"),
    ],
)
def test_files_whose_content_matches_their_name_are_accepted(name, content, content_type):
    upload = prepared_one(name, content)
    assert upload.name == name
    assert upload.content == content
    assert upload.size == len(content)
    assert upload.content_type == content_type
    assert len(upload.sha256) == 64


def test_utf8_text_is_text():
    assert prepared_one("ru.txt", "Сайт не работает ✓".encode()).content_type == "text/plain"


def test_windows_1251_text_is_text():
    content = "Сайт не открывается, ошибка 502".encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert prepared_one("ru.log", content).content_type == "text/plain"


@pytest.mark.parametrize("padding", [8191, 8190, 8189])
def test_a_multibyte_character_cut_by_the_8_kib_sniffing_window_is_still_text(padding):
    # Only the first 8 KiB are looked at; a character straddling that edge is not an error.
    content = b"a" * padding + "😀 и дальше".encode()
    assert len(content) > 8192
    assert prepared_one("long.log", content).content_type == "text/plain"


def test_text_that_is_neither_utf8_nor_windows_1251_is_refused():
    # 0x98 is undefined in Windows-1251 and invalid as a first UTF-8 byte.
    refusal("weird.txt", b"abc\x98def and more text after it")


def test_binary_with_nul_bytes_is_not_text():
    refusal("dump.txt", b"text\x00more")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.png", b"this is just text pretending"),
        ("logo.png", JPEG),
        ("photo.jpg", PNG),
        ("scan.pdf", b"not a pdf at all"),
        ("notes.txt", PNG),
        ("notes.txt", PDF),
        ("anim.gif", b"GIF90a" + bytes(10)),
    ],
)
def test_content_that_does_not_match_the_name_is_refused(name, content):
    assert "does not contain what its name says" in refusal(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("page.html", b"<script>alert(1)</script>"),
        ("page.htm", b"<html></html>"),
        ("image.svg", b"<svg onload=alert(1)></svg>"),
        ("notes.txt.exe", EXE),
        ("report.pdf.html", b"<html></html>"),
        ("README", b"no extension"),
        ("archive.zip", b"PK\x03\x04" + bytes(20)),
    ],
)
def test_forbidden_kinds_are_refused(name, content):
    assert "cannot be attached" in refusal(name, content)


def test_the_allowed_kinds_come_from_the_settings_at_call_time(settings):
    settings.ZAPROS_ATTACHMENT_EXTENSIONS = ["txt"]
    assert "cannot be attached" in refusal("invoice.pdf", PDF)
    assert prepared_one("notes.txt", b"ok").content_type == "text/plain"


def test_an_empty_file_is_refused():
    assert "is empty" in refusal("empty.txt", b"")


def test_an_empty_uploaded_file_is_refused():
    with pytest.raises(ValidationFailed):
        prepare_uploads([SimpleUploadedFile("empty.txt", b"")])


def test_the_size_limit_is_inclusive(settings):
    settings.ZAPROS_ATTACHMENT_MAX_BYTES = 1024
    assert prepared_one("exact.txt", b"x" * 1024).size == 1024
    assert "larger than" in refusal("over.txt", b"x" * 1025)


def test_the_size_limit_holds_for_uploaded_files(settings):
    settings.ZAPROS_ATTACHMENT_MAX_BYTES = 1024
    [upload] = prepare_uploads([SimpleUploadedFile("exact.txt", b"x" * 1024)])
    assert upload.size == 1024
    with pytest.raises(ValidationFailed) as error:
        prepare_uploads([SimpleUploadedFile("over.txt", b"x" * 1025)])
    assert error.value.field == "attachments"


def test_one_bad_file_refuses_them_all():
    with pytest.raises(ValidationFailed) as error:
        prepare_uploads([("good.txt", b"fine"), ("bad.exe", EXE), ("also.png", PNG)])
    assert "bad.exe" in str(error.value.message)


def test_uploaded_files_and_pairs_are_read_alike():
    from_form = SimpleUploadedFile("a.png", PNG, content_type="text/html")
    [first, second] = prepare_uploads([from_form, ("b.png", PNG)])
    # The browser's claimed type is ignored; the content decides.
    assert first.content_type == second.content_type == "image/png"
    assert first.sha256 == second.sha256


def test_no_files_prepare_nothing():
    assert prepare_uploads(None) == []
    assert prepare_uploads(()) == []


# --- Names ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/var/log/syslog.log", "syslog.log"),
        ("C:\\Users\\alice\\Desktop\\scan.pdf", "scan.pdf"),
        ("evil\x00name\x1f.txt", "evilname.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        ("\u202etxt.exe.png", "txt.exe.png"),  # right-to-left override hides the real end
        ("  spaced.txt  ", "spaced.txt"),
        ("trailing.txt...", "trailing.txt"),
        ("e\u0301te\u0301.txt", "été.txt"),  # composed to NFC
        ("..", "file"),
        ("", "file"),
        ("\x00\x01", "file"),
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = clean_filename("я" * 400 + ".pdf")
    assert len(name) <= 255
    assert name.endswith(".pdf")


def test_long_names_without_a_usable_extension_are_still_cut():
    assert len(clean_filename("x" * 400)) == 255
    assert len(clean_filename("a." + "b" * 400)) <= 255


def test_prepared_uploads_carry_the_cleaned_name():
    upload = prepared_one("../../secret/\x07report.txt", b"text")
    assert upload.name == "report.txt"


def test_refusals_show_the_cleaned_name():
    message = refusal("../../dir/evil\x00.exe", EXE)
    assert "evil.exe" in message and "dir" not in message


# --- Files of a failed write ------------------------------------------------------------------

@pytest.fixture
def failing_event_writes(db):
    """Make the database itself refuse new Event rows, the last write of every operation, so
    that an operation fails after its files are already on disk. The trigger lives in the
    test's transaction and goes away with it."""
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION zapros_refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'event rows are refused'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER zapros_refuse_event BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zapros_refuse_event()"
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER zapros_refuse_event BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'event rows are refused'); END"
            )
        else:  # pragma: no cover
            pytest.skip(f"no failing trigger written for {connection.vendor}")


WRITES_WITH_FILES = {
    "open_ticket": lambda cast, ticket, files: cast.open(files=files),
    "client_reply": lambda cast, ticket, files: services.client_reply(
        cast.alice, ticket.number, body="Logs", files=files),
    "reply": lambda cast, ticket, files: services.reply(
        cast.john, ticket.number, body="Done", close=True, files=files),
    "comment": lambda cast, ticket, files: services.comment(
        cast.gary, ticket.number, body="Trace", files=files),
}


@pytest.mark.parametrize("operation", sorted(WRITES_WITH_FILES))
def test_files_of_a_failed_write_are_removed(cast, request, operation):
    ticket = cast.held()
    request.getfixturevalue("failing_event_writes")
    before = world()
    assert before["files"] == []

    with pytest.raises(DatabaseError, match="event rows are refused"):
        WRITES_WITH_FILES[operation](
            cast, ticket, [("a.png", PNG), ("b.txt", b"log lines"), ("c.png", PNG + b"!")]
        )

    assert stored_files() == []
    assert world() == before
    assert not Attachment.objects.exists()


def test_without_the_failure_the_same_writes_keep_their_files(cast):
    ticket = cast.held()
    for write in WRITES_WITH_FILES.values():
        write(cast, ticket, [("a.png", PNG)])
    assert len(stored_files()) == Attachment.objects.count() == len(WRITES_WITH_FILES)
    for attachment in Attachment.objects.all():
        assert attachment.file.read() == PNG
