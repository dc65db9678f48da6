"""Mail ingestion benchmark: 1,000 mails through an IMAP gateway into a fresh database.

Starts a local Dovecot the way the tests do (zapros.mail.tests.dovecot), delivers the mails into a
mailbox, creates a fresh SQLite database (or uses DATABASE_URL), and times one poll of the
gateway: fetch, parse, store the .eml, open the ticket or file the reply, mark as read.

    .venv/bin/python bench/mail_import.py [--mails 1000]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="zapros-bench-mail-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("ZAPROS_VAR_DIR", str(workdir))
    os.environ.setdefault("MEDIA_ROOT", str(workdir / "media"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("HUEY_IMMEDIATE", "1")
    os.environ.setdefault("ZAPROS_MAIL_ALLOWED_NETWORKS", "127.0.0.1")   # the bench's Dovecot
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    from cryptography.fernet import Fernet

    os.environ.setdefault("ZAPROS_MAIL_KEY", Fernet.generate_key().decode())

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ZAPROS_MAIL_BATCH = args.mails
    settings.ZAPROS_MAIL_FLOOD_LIMIT = args.mails  # a few senders write many mails here
    call_command("migrate", verbosity=0, interactive=False)

    from zapros.accounts.models import Department, User
    from zapros.clients.models import Client
    from zapros.mail import polling, secrets
    from zapros.mail.models import InboundMail, MailGateway
    from zapros.mail.tests import dovecot
    from zapros.tickets.models import Message, Ticket

    server = dovecot.Dovecot().start()
    try:
        department = Department.objects.create(name="Technical support")
        clients = []
        for n in range(50):
            user = User.objects.create_user(f"client{n}@example.com", None, name=f"Client {n}")
            clients.append(Client.objects.create(user=user))
        login, password = server.mailbox()
        gateway = MailGateway.objects.create(
            name="Bench", protocol="imap", host="127.0.0.1", port=server.imap_port,
            security="none", login=login, password_encrypted=secrets.encrypt(password),
            address="support@zapros.test", department=department,
        )
        for n in range(args.mails):
            server.deliver(login, make_mail(n))

        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            result = profile.runcall(polling.poll, gateway.pk)
            order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or "tottime"
            pstats.Stats(profile).sort_stats(order).print_stats(40)
        else:
            result = polling.poll(gateway.pk)
        elapsed = time.perf_counter() - started

        assert not result.error, result.error
        imported = InboundMail.objects.count()
        print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        print(f"outcomes: {dict(sorted(result.outcomes.items()))}")
        print(f"tickets: {Ticket.objects.count()}, messages: {Message.objects.count()}, "
              f"kept mails: {imported}, still unread: {server.unseen_count(login)}")
        print(f"{imported} mails in {elapsed:.2f} s: {imported / elapsed:.0f} mails per second")
    finally:
        server.cleanup()


def make_mail(n: int) -> bytes:
    """A mix like a support mailbox: new requests, replies by tag, strangers, auto-replies,
    some with a small attachment, some Russian."""
    client = f"client{n % 50}@example.com"
    kind = n % 10
    sender = f"stranger{n}@example.org" if kind == 7 else client
    extra = "Auto-Submitted: auto-replied\r\n" if kind == 8 else ""
    subject = "Не работает почта" if kind in (1, 2) else f"Question number {n}"
    if kind in (3, 4) and n >= 10:
        subject = f"Re: [#{1001 + (n - 10) // 10}] follow-up"
    body = (f"Добрый день! Письмо номер {n}.\n" if kind in (1, 2)
            else f"Hello, this is mail {n}.\n") * 5
    head = (f"From: {sender}\r\nTo: Support <support@zapros.test>\r\nSubject: {subject}\r\n"
            f"Message-ID: <bench-{n}@example.com>\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
            f"MIME-Version: 1.0\r\n{extra}")
    if kind == 5:
        return (head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
                "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body +
                "\r\n--b\r\nContent-Type: text/plain\r\n"
                'Content-Disposition: attachment; filename="log.txt"\r\n\r\n'
                "line one\r\nline two\r\n--b--\r\n").encode("utf-8")
    return (head + "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + body).encode("utf-8")


if __name__ == "__main__":
    main()
