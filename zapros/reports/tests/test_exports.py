import csv
import io
from zoneinfo import ZoneInfo

from zapros.reports import exports, sla
from zapros.tickets.models import Ticket

from .conftest import END, START, H, fresh_tickets, late, met


def read(lines) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_overdue_list_as_csv(cast, overdue):
    cast.supervisor.timezone = "Europe/Moscow"
    cast.supervisor.save()
    ticket = overdue.tickets[0]
    Ticket.objects.filter(pk=ticket.pk).update(title="Сайт не работает, «срочно»")

    rows = read(exports.overdue_csv(sla.overdue_rows(cast.supervisor), "Europe/Moscow"))

    assert rows[0][:3] == ["Request", "Heading", "Department"]
    assert len(rows) == 5
    line = rows[2]
    assert line[:6] == [str(ticket.number), "Сайт не работает, «срочно»", "Technical support",
                        "John Smith", "First response", "Gold"]
    due = overdue.overdue[0].due_at.astimezone(ZoneInfo("Europe/Moscow"))
    assert line[6] == due.isoformat(timespec="seconds") and line[6].endswith("+03:00")
    assert 180 <= float(line[7]) < 185


def test_the_period_as_csv(cast):
    ticket, other = fresh_tickets(cast, 2)
    met(ticket, "first_response", H, at=START + 2 * H, staff=cast.john)
    late(other, "first_response", 3 * H, at=START + 5 * H, breached_at=START + 4 * H,
         staff=cast.gary, paused=H)

    rows = read(exports.period_csv(sla.period(cast.admin, start=START, end=END)))

    assert rows[0][:6] == ["Group", "Name", "Target", "Clocks", "Met in time", "Met in time, %"]
    assert rows[1] == ["All", "", "First response", "2", "1", "50.0", "120.0", "168.0",
                       "60.0", "30.0", "2024-03-01T00:00:00+00:00",
                       "2024-04-01T00:00:00+00:00"]
    assert [row[:3] for row in rows[2:]] == [
        ["Department", "Technical support", "First response"],
        ["Agent", "Gary Stark", "First response"],
        ["Agent", "John Smith", "First response"],
    ]
    assert rows[3][3:6] == ["1", "0", "0.0"]
