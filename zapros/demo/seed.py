"""What the generated help desk is made of (:mod:`.generate`): its departments and topics,
the mix of states of the tickets still in work, and the texts people write."""

from datetime import timedelta

from zapros.tickets.states import State

from .texts import CLIENT_LINES, NOTE_LINES, PROBLEMS, STAFF_LINES, THINGS

__all__ = ["ACTIVE_MIX", "CLIENT_LINES", "DEPARTMENTS", "MIX_STATES", "MIX_WEIGHTS",
           "NOTE_LINES", "PROBLEMS", "STAFF_LINES", "THINGS", "TOPICS"]

DEPARTMENTS = [
    # name, clients may choose it, response deadline, share of tickets
    ("Technical support", True, timedelta(hours=8), 0.55),
    ("Billing", True, timedelta(days=1), 0.2),
    ("Domains", True, timedelta(days=1), 0.12),
    ("Abuse", True, timedelta(hours=4), 0.08),
    ("Sales", False, timedelta(days=2), 0.05),
]
TOPICS = [("Mail delivery", timedelta(hours=6)), ("Backups", None), ("SSL certificates", None),
          ("DNS", timedelta(hours=12)), ("Payments", None)]

# Of the active (not archived) tickets, which state they are in now.
ACTIVE_MIX = [(State.NEW, 12), ("new_reopened", 3), (State.OPEN, 25), (State.ON_HOLD, 8),
              (State.ANSWERED, 32), (State.RESOLVED, 20)]
MIX_STATES = [state for state, _weight in ACTIVE_MIX]
MIX_WEIGHTS = [weight for _state, weight in ACTIVE_MIX]
FILES = [("screenshot.png", "image/png"), ("error.log", "text/plain"),
         ("invoice.pdf", "application/pdf")]
