# ruff: noqa: RUF001 - one demo client writes in Russian: Cyrillic letters are meant here.
"""``manage.py demo``: departments, staff, clients and tickets in every state, to try Zapros.

Every ticket is written through ``zapros.tickets.services``, exactly as the portal and the
workspace would write it, so the demo never shows a state the application could not reach.
Running it again changes nothing.
"""

import io
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from zapros.accounts.models import Department, User
from zapros.clients.models import Client, ClientGroup, Service
from zapros.demo import data
from zapros.sla import businesstime, clocks
from zapros.sla.models import Clock
from zapros.tickets import deadlines, policies, services
from zapros.tickets.models import (
    Attachment,
    Event,
    Message,
    Priority,
    Rating,
    Ticket,
    TicketType,
    Topic,
)
from zapros.tickets.services import service_levels


class Command(BaseCommand):
    help = "Load demo departments, staff, clients and tickets (does nothing if already loaded)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-debug", action="store_true",
            help="Load even though DEBUG is off. The demo accounts have published passwords: "
                 "never do this on a server that real people can reach.",
        )

    def handle(self, *args, **options):
        if not (settings.DEBUG or options["without_debug"]):
            raise CommandError(
                "The demo accounts have published passwords, so the demo loads only with "
                "DEBUG=1 (or --without-debug, on a machine nobody else can reach)."
            )
        if User.objects.filter(email__iexact=data.ADMIN.email).exists():
            self.stdout.write("Demo data already loaded: nothing changed.")
            return
        with transaction.atomic():
            Demo().load()
        self.stdout.write(self.style.SUCCESS(
            f"Demo data loaded: {Department.objects.count()} departments, "
            f"{User.objects.exclude(role='client').count()} staff, "
            f"{Client.objects.count()} clients, {Ticket.objects.count()} tickets."
        ))


def let_time_pass(ticket: Ticket, **delta) -> None:
    """Demo only: move everything ``ticket`` has so far back in time by ``delta``, as if it
    had happened that much earlier. The services always write the present moment; this is how
    the demo gets tickets that are days old, answered yesterday, or past their deadline.
    Nothing outside this command ever rewrites timestamps."""
    shift = timedelta(**delta)
    Ticket.objects.filter(pk=ticket.pk).update(**{
        name: F(name) - shift
        for name in ("created_at", "updated_at", "held_at", "reply_due_at",
                     "last_staff_public_at", "client_seen_at", "waiting_since")
    })
    # The clocks move with the ticket, then count again from their moved starts: on a
    # business calendar the same hours earlier give another due time.
    for row in Clock.objects.filter(ticket=ticket):
        for name in ("started_at", "due_at", "warn_at", "warned_at", "breached_at", "ended_at",
                     "updated_at"):
            value = getattr(row, name)
            if value is not None:
                setattr(row, name, value - shift)
        row.pauses = [[_earlier(a, shift), _earlier(b, shift), why] for a, b, why in row.pauses]
        if row.ended_at is not None and row.state != Clock.State.CANCELLED:
            # An ended clock is not counted again by the ticket's next change: do it here.
            calendar = deadlines.compiled().calendars.get(row.calendar_id, businesstime.ALWAYS)
            pauses = [(datetime.fromisoformat(a), datetime.fromisoformat(b), why)
                      for a, b, why in row.pauses]
            ended = clocks.Clock(
                metric=row.metric, started_at=row.started_at, target=row.target,
                policy_id=None, policy_name="", calendar_id=None, state=row.state,
                ended_at=row.ended_at, pauses=pauses)
            clocks.reckon(ended, calendar)
            row.due_at, row.breached_at, row.state = ended.due_at, ended.breached_at, ended.state
            row.paused, row.took = ended.paused, ended.took
        row.save()
    moved = Ticket.objects.get(pk=ticket.pk)
    counted_at = timezone.now()
    deadlines.follow(moved, at=counted_at, recount=True)
    # Counting again is the demo's bookkeeping, not a change of the policy to tell of.
    Event.objects.filter(ticket=ticket, kind=Event.Kind.SLA_CHANGED,
                         created_at=counted_at).delete()
    Ticket.objects.filter(pk=ticket.pk).update(reply_due_at=moved.reply_due_at, late=moved.late)
    for model in (Message, Event, Attachment):
        model.objects.filter(ticket=ticket).update(created_at=F("created_at") - shift)
    Rating.objects.filter(ticket=ticket).update(
        created_at=F("created_at") - shift, updated_at=F("updated_at") - shift
    )


def _earlier(moment: str | None, shift: timedelta) -> str | None:
    return None if moment is None else (datetime.fromisoformat(moment) - shift).isoformat()


def screenshot_png(caption: str, color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (480, 270), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 36), fill=color)
    draw.rectangle((24, 64, 300, 84), fill=(210, 214, 220))
    draw.rectangle((24, 100, 456, 220), outline=(160, 166, 175), width=2)
    draw.text((32, 12), caption, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


ERROR_LOG = (
    b"2025-03-14 02:11:07 [error] 1187#1187: *5531 upstream timed out (110: Connection timed out)"
    b" while reading response header from upstream, client: 203.0.113.7,"
    b' server: alice-bakery.example, request: "GET / HTTP/2.0"\n'
    b"2025-03-14 02:11:09 [error] 1187#1187: *5534 connect() to unix:/run/php/php8.2-fpm.sock"
    b" failed (11: Resource temporarily unavailable)\n"
)


class Demo:
    """The demo's people and their stories, oldest first."""

    def load(self) -> None:
        # Every demo login has the same password: hash it once instead of once per person.
        self.password_hash = make_password(data.DEMO_PASSWORD)
        self.people()
        self.service_levels()
        self.templates()
        self.stories()
        # What the minute's sweep would have said of the deadlines the stories passed.
        deadlines.sweep()

    def people(self) -> None:
        self.tech, _ = Department.objects.get_or_create(
            name="Technical support",
            # A hosting client knows when a site is down: they may say how urgent it is.
            defaults={"position": 1, "outgoing_email": "support@zapros.test",
                      "clients_choose_priority": True},
        )
        self.billing, _ = Department.objects.get_or_create(
            name="Billing",
            defaults={"position": 2, "outgoing_email": "billing@zapros.test"},
        )
        self.sales, _ = Department.objects.get_or_create(
            name="Sales",
            defaults={"position": 3, "in_support_center": False,
                      "outgoing_email": "sales@zapros.test"},
        )
        self.topics = {
            name: Topic.objects.get_or_create(name=name, defaults={"department": department})[0]
            for name, department in [
                ("Website or hosting", self.tech), ("E-mail", self.tech),
                ("Domain and DNS", self.tech), ("Payment", self.billing),
                ("General question", None),
            ]
        }

        self.admin = self.account(data.ADMIN, User.objects.create_superuser)
        self.supervisor = self.staff(data.SUPERVISOR, [])
        self.john = self.staff(data.JOHN, [self.tech])
        self.gary = self.staff(data.GARY, [self.tech, self.sales])

        self.alice = self.client(data.ALICE, company="Alice's Bakery",
                                 comment="Long-standing customer; prefers e-mail.")
        self.bob = self.client(data.BOB)
        self.ivan = self.client(data.IVAN, company="ООО «Петров и партнёры»",
                                comment="Speaks Russian; answer in Russian.",
                                timezone="Europe/Moscow")
        self.alice_hosting = Service.objects.create(
            client=self.alice.client, name="Hosting Pro", kind="Hosting plan",
            domain="alice-bakery.example", external_id="HST-1042",
        )
        self.alice_domain = Service.objects.create(
            client=self.alice.client, name="alice-bakery.example", kind="Domain",
            domain="alice-bakery.example", external_id="DOM-2207",
        )
        self.bob_domain = Service.objects.create(
            client=self.bob.client, name="bob-turner.example", kind="Domain",
            domain="bob-turner.example", external_id="DOM-2310",
        )
        self.ivan_vps = Service.objects.create(
            client=self.ivan.client, name="VPS-4", kind="VPS", domain="vps.petrov.example",
            external_id="VPS-0815",
        )

    def service_levels(self) -> None:
        """Office hours with a lunch break and the New Year holidays; technical support
        answers on them, billing within two days around the clock, everything else by the
        default three days."""
        office = service_levels.save_calendar(
            self.admin, None, name="Office hours", time_zone="Europe/Moscow",
            always_open=False, week=[[[540, 780], [840, 1080]]] * 5 + [[], []])
        today = timezone.localdate()
        for year in (today.year, today.year + 1):
            for day in (1, 2, 3):
                service_levels.set_day(self.admin, office, day=date(year, 1, day),
                                       kind="holiday", name="New Year holidays")
            # A short day before a holiday: closed from 16:00.
            service_levels.set_day(self.admin, office, day=date(year, 2, 22), kind="holiday",
                                   spans=[[960, 1080]], name="Short day")
        service_levels.save_policy(
            self.admin, None, name="Technical support, office hours", calendar=office,
            departments=[self.tech.pk], first_response=timedelta(hours=4),
            next_response=timedelta(hours=8), resolution=timedelta(hours=27),
            pause_on_hold=["resolution"], pause_awaiting_client=["resolution"])
        service_levels.save_policy(
            self.admin, None, name="Billing, around the clock", departments=[self.billing.pk],
            first_response=timedelta(days=2), next_response=timedelta(days=2))
        # Alice's bakery is a key account: her first answers are due within two office hours.
        key_accounts = ClientGroup.objects.create(name="Key accounts")
        self.alice.client.groups.add(key_accounts)
        service_levels.save_policy(
            self.admin, None, name="Key accounts", calendar=office, position=1,
            client_groups=[key_accounts.pk], first_response=timedelta(hours=2),
            next_response=timedelta(hours=4), resolution=timedelta(hours=18),
            pause_on_hold=["resolution"], pause_awaiting_client=["resolution"])
        self.tech.show_due_to_clients = True
        self.tech.save(update_fields=["show_due_to_clients"])

    def staff(self, login: data.DemoLogin, departments) -> User:
        user = self.account(login, role=login.role)
        for department in departments:
            department.members.add(user)
        return user

    def account(self, login: data.DemoLogin, create=User.objects.create_user, **fields) -> User:
        user = create(login.email, None, name=login.name, language=login.language, **fields)
        user.password = (self.password_hash if login.password == data.DEMO_PASSWORD
                         else make_password(login.password))
        user.save(update_fields=["password"])
        return user

    def client(self, login: data.DemoLogin, company="", comment="", timezone="UTC") -> User:
        user = self.account(login, timezone=timezone)
        Client.objects.create(user=user, company=company, internal_comment=comment)
        return user

    def open(self, client: User, department: Department, subject: str, body: str,
             **kwargs) -> Ticket:
        return services.open_ticket(
            client, department_id=department.pk, subject=subject, body=body, **kwargs
        )

    def read(self, client: User, ticket: Ticket) -> None:
        services.mark_seen(client, policies.access_ticket(client, ticket.number))

    def templates(self) -> None:
        services.create_template(
            self.admin, title="Greeting",
            body="Hello {client_name},\n\nthank you for writing to us about request "
                 "#{ticket_number}.\n\n",
        )
        services.create_template(
            self.supervisor, title="DNS propagation", department_id=self.tech.pk,
            body="Changes to DNS records can take up to 24 hours to reach every resolver. "
                 "The records of {service} are correct on our name servers.",
        )
        services.create_template(
            self.john, title="Signature", agent_id=self.john.pk,
            body="Best regards,\n{agent_name}, {department}",
        )

    def stories(self) -> None:
        self.archived_after_a_good_answer()
        self.resolved_by_the_client()
        self.reopened_by_the_client()
        self.answered_with_screenshots()
        self.frozen_while_waiting()
        self.overdue_and_untouched()
        self.overdue_in_work()
        self.sales_offer()
        self.fresh_billing_question()
        self.answered_late()

    def archived_after_a_good_answer(self) -> None:
        ticket = self.open(
            self.alice, self.tech, "SSL certificate for alice-bakery.example",
            "Browsers say my site is not secure since yesterday. Can you renew the "
            "certificate?", service_id=self.alice_hosting.pk,
        )
        let_time_pass(ticket, hours=5)
        services.take(self.john, ticket.number)
        answer = services.reply(
            self.john, ticket.number, close=True,
            body="Hello Alice,\n\nthe certificate was renewed and now covers both "
                 "alice-bakery.example and www.alice-bakery.example. Automatic renewal is on, "
                 "so it will not expire again.\n\nJohn",
            note="The renewal job had failed because of the old CAA record; removed it.",
        )
        let_time_pass(ticket, hours=20)
        self.read(self.alice, ticket)
        services.rate(self.alice, ticket.number, message_id=answer.pk, value="good",
                      comment="Quick and clear, thank you!")
        services.archive(self.alice, ticket.number)
        let_time_pass(ticket, days=20)

    def resolved_by_the_client(self) -> None:
        ticket = self.open(
            self.bob, self.billing, "Invoice for the domain renewal",
            "I received an invoice for bob-turner.example but I renewed it for two years "
            "last time. Is it right?", service_id=self.bob_domain.pk,
        )
        let_time_pass(ticket, hours=3)
        services.take(self.supervisor, ticket.number)
        services.reply(
            self.supervisor, ticket.number, close=True,
            body="Hello Bob,\n\nyou are right: the second year was not counted. The invoice is "
                 "cancelled; nothing is due until next March.\n\nSue",
        )
        let_time_pass(ticket, hours=8)
        self.read(self.bob, ticket)
        services.resolve(self.bob, ticket.number)
        let_time_pass(ticket, days=9)

    def reopened_by_the_client(self) -> None:
        ticket = self.open(
            self.ivan, self.tech, "Не приходит почта на ящик в домене",
            "Здравствуйте! Со вчерашнего дня письма на info@petrov.example не приходят. "
            "Отправители получают ошибку.", service_id=self.ivan_vps.pk,
        )
        let_time_pass(ticket, hours=6)
        services.take(self.john, ticket.number)
        answer = services.reply(
            self.john, ticket.number, close=True,
            body="Здравствуйте, Иван!\n\nЯщик был переполнен, мы увеличили квоту до 10 ГБ. "
                 "Письма должны снова приходить.\n\nДжон",
        )
        let_time_pass(ticket, hours=18)
        self.read(self.ivan, ticket)
        services.rate(self.ivan, ticket.number, message_id=answer.pk, value="bad",
                      comment="Не помогло.")
        services.client_reply(
            self.ivan, ticket.number,
            body="Письма по-прежнему не приходят, ошибка та же: 550 mailbox unavailable.",
        )
        services.comment(
            self.john, ticket.number,
            body="The MX record still points to the old mail server. Checking with the "
                 "client's DNS provider.",
        )
        let_time_pass(ticket, hours=30)

    def answered_with_screenshots(self) -> None:
        ticket = self.open(
            self.alice, self.tech, "How do I create a mailbox?",
            "I want an address orders@alice-bakery.example. Where do I create it? "
            "Screenshot of my control panel attached.",
            service_id=self.alice_hosting.pk,
            files=[("control-panel.png", screenshot_png("Control panel", (52, 101, 164)))],
        )
        let_time_pass(ticket, hours=4)
        services.take(self.john, ticket.number)
        services.save_parameters(self.john, ticket.number,
                                 topic=self.topics["E-mail"].pk,
                                 title="New mailbox for alice-bakery.example")
        services.reply(
            self.john, ticket.number, close=True,
            body="Hello Alice,\n\nopen Mail → Mailboxes → Add mailbox, type \"orders\" and a "
                 "password. The screenshot shows where the button is.\n\nJohn",
            note="Walkthrough sent; offer to set it up for her if she asks again.",
            files=[("mailboxes.png", screenshot_png("Mail / Mailboxes", (46, 125, 50)))],
        )
        let_time_pass(ticket, hours=2)

    def frozen_while_waiting(self) -> None:
        ticket = self.open(
            self.ivan, self.tech, "VPS тормозит по ночам",
            "Каждую ночь с 2 до 4 часов сервер почти не отвечает. Что происходит?",
            service_id=self.ivan_vps.pk, type=TicketType.BUG,
        )
        let_time_pass(ticket, hours=10)
        services.take(self.gary, ticket.number)
        services.reply(
            self.gary, ticket.number, close=False,
            body="Здравствуйте, Иван!\n\nНа узле, где работает ваш VPS, ночью идёт резервное "
                 "копирование соседних серверов. В субботу мы перенесём ваш VPS на новый узел "
                 "и напишем вам.\n\nГэри",
        )
        services.freeze(self.gary, ticket.number,
                        reason="Waiting for the node migration on Saturday.")
        services.comment(self.gary, ticket.number,
                         body="Migration of VPS-0815 is booked for Saturday 03:00.")
        let_time_pass(ticket, days=2)

    def overdue_and_untouched(self) -> None:
        ticket = self.open(
            self.alice, self.tech, "Website returns 502 Bad Gateway",
            "Since this morning the site shows \"502 Bad Gateway\" every few minutes. "
            "The error log is attached.",
            service_id=self.alice_hosting.pk, priority=Priority.HIGH,
            files=[("error.log", ERROR_LOG)],
        )
        # Older than the department's three-day deadline, and nobody has answered: overdue.
        let_time_pass(ticket, days=4)

    def overdue_in_work(self) -> None:
        ticket = self.open(
            self.bob, self.tech, "DNS changes are not visible",
            "I changed the A record of bob-turner.example two days ago and the old address "
            "still answers.", service_id=self.bob_domain.pk,
        )
        let_time_pass(ticket, hours=20)
        services.take(self.john, ticket.number)
        services.save_parameters(self.john, ticket.number,
                                 topic=self.topics["Domain and DNS"].pk,
                                 priority=Priority.HIGH)
        services.comment(self.john, ticket.number,
                         body="The registrar still serves the old NS set; asked them why.")
        let_time_pass(ticket, days=3)

    def sales_offer(self) -> None:
        # Staff open tickets in departments clients cannot choose, on the client's behalf.
        ticket = services.open_ticket(
            self.gary, client_id=self.alice.pk, department_id=self.sales.pk,
            subject="Upgrade to a dedicated server", type=TicketType.WISH,
            body="On the phone Alice asked for an offer for a dedicated server for the shop.",
            service_id=self.alice_hosting.pk,
        )
        let_time_pass(ticket, hours=2)
        services.take(self.gary, ticket.number)
        services.reply(
            self.gary, ticket.number, close=False,
            body="Hello Alice,\n\nas promised: a dedicated server with 8 cores and 32 GB would "
                 "cost 89 € a month, with the move of your site included. Shall I book it?\n\n"
                 "Gary",
        )
        let_time_pass(ticket, hours=20)

    def fresh_billing_question(self) -> None:
        ticket = self.open(
            self.bob, self.billing, "Refund for unused hosting months",
            "I moved my site away in January. Can I get the unused months back?",
        )
        let_time_pass(ticket, hours=2)

    def answered_late(self) -> None:
        ticket = self.open(
            self.ivan, self.tech, "Не открывается панель управления VPS",
            "Здравствуйте! Со вчерашнего дня панель управления VPS-4 выдаёт ошибку 500.",
            service_id=self.ivan_vps.pk,
        )
        let_time_pass(ticket, days=2)
        services.take(self.gary, ticket.number)
        # Past the four office hours of the first answer: it comes, late.
        services.reply(self.gary, ticket.number, close=False,
                       body="Здравствуйте, Иван! Панель снова работает, просим прощения "
                            "за задержку.")
