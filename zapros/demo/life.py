"""One ticket's life, replayed in memory for the benchmark generator (:mod:`.generate`).

The state moves by the table of ``states.next_state`` and the conversation flags by the rules
of ``tickets.conversation``, as ``tickets.writes`` applies them for the services; only the
bookkeeping (messages, events, shares, rating) is the generator's own.
"""

from dataclasses import dataclass, field

from zapros.tickets import conversation, states
from zapros.tickets.models import Event
from zapros.tickets.states import Action, State

# As a new ticket row holds them. The SLA clocks are set from the life once it is fitted into
# its span and its topic drawn (``generate.Generator.clocks``).
NEW_FLAGS = conversation.Flags(last_public_from_client=True, needs_reply=True,
                               waiting_since=None, last_staff_public_at=None,
                               client_activity_at=0.0)


@dataclass
class Sim:
    """One ticket being lived through; times are seconds since ``until``-based epoch."""

    state: State = State.NEW
    holder: int | None = None
    assignee: int | None = None
    held_at: float | None = None
    flags: conversation.Flags = NEW_FLAGS
    updated_at: float = 0.0
    client_seen_at: float | None = None
    messages: list = field(default_factory=list)   # (at, kind, visibility, author, body, attach)
    events: list = field(default_factory=list)     # (at, actor, kind, data)
    shares: list = field(default_factory=list)     # (at, department, created_by)
    rating: tuple | None = None                    # (message index, value, comment, at)

    # -- the rules of tickets.conversation, as tickets.writes applies them --------------------
    def post(self, at, kind, author, body, *, internal=False, attach=None):
        visibility = "internal" if internal else "public"
        self.messages.append((at, kind, visibility, author, body, attach))
        self.flags = conversation.after_message(self.flags, author_kind=kind,
                                                visibility=visibility, at=at)
        self.updated_at = at
        self.refresh()  # the services save (and so refresh) after every message
        return len(self.messages) - 1

    def move(self, action, at, *, held=None):
        old = self.state
        self.state = states.next_state(old, action,
                                       held=self.holder is not None if held is None else held)
        self.flags = conversation.after_move(self.flags, old, self.state, at)
        return old, self.state

    def refresh(self):
        self.flags = conversation.settle(self.flags, self.state)


def live(generator, rng, target, start: float, department, client, limit: float) -> Sim:
    """Replay a plausible life ending in ``target``; times in seconds, from ``start``.

    ``generator`` holds the people and texts of the help desk (:class:`Generator`).
    """
    dept_id, _deadline, _share, _public = department
    sim = Sim()
    at = start
    agents = generator.agents_by_department[dept_id] or [generator.supervisor]
    agent = rng.choice(agents)

    def gap(mean):
        return rng.expovariate(1 / mean) + 30

    def attach():
        return rng.randrange(len(generator.files)) if rng.random() < 0.08 else None

    def client_says(moment):
        old, new = sim.move(Action.CLIENT_REPLY, moment)
        index = sim.post(moment, "client", client, rng.choice(generator.client_bodies),
                         attach=attach())
        kind = Event.Kind.REOPENED if old != new else Event.Kind.CLIENT_REPLIED
        sim.events.append((moment, client, kind, {"message": index, "from": old, "to": new}))

    def staff_says(moment, close):
        action = Action.SEND_AND_CLOSE if close else Action.SEND
        index = sim.post(moment, "staff", sim.holder, rng.choice(generator.staff_bodies),
                         attach=attach() if rng.random() < 0.3 else None)
        old, new = sim.move(action, moment)
        kind = Event.Kind.CLOSED if close else Event.Kind.REPLIED
        sim.events.append((moment, sim.holder, kind,
                           {"message": index, "from": old, "to": new}))

    def note(moment, author):
        index = sim.post(moment, "staff", author, rng.choice(generator.notes), internal=True)
        sim.events.append((moment, author, Event.Kind.COMMENTED, {"message": index}))

    def take(moment, who):
        old = sim.state
        sim.state = states.next_state(old, Action.TAKE)
        sim.holder = sim.assignee = who
        sim.held_at = moment
        sim.updated_at = moment
        sim.refresh()
        sim.events.append((moment, who, Event.Kind.TAKEN, {"from": old, "to": sim.state}))

    # Opened by the client, often naming their site or an order: words that only a few
    # tickets share, as real conversations have, beside the common ones.
    body = rng.choice(generator.client_bodies)
    if rng.random() < 0.5:
        body += f"\n\nOur site: client{generator.client_place[client]}.example"
    if rng.random() < 0.3:
        body += f"\nOrder A{rng.randrange(10**6, 10**7)}"
    sim.post(at, "client", client, body, attach=attach())
    sim.refresh()
    sim.events.append((at, client, Event.Kind.CREATED,
                       {"channel": rng.choice(("web", "web", "web", "email", "api"))}))
    if target == State.NEW:
        if rng.random() < 0.4:
            client_says(at + gap(3600))
        return sim

    total = rng.choice((3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 10))
    at += gap(2 * 3600)
    take(at, agent)
    if rng.random() < 0.02 and len(generator.departments) > 1:
        other = rng.choice([d for d in generator.departments if d[0] != dept_id])
        at += gap(600)
        sim.shares.append((at, other[0], agent))
        sim.updated_at = at
        sim.events.append((at, agent, Event.Kind.TRANSFERRED, {"department": other[0]}))
    # The conversation: answers and client replies, now and then an internal note.
    while len(sim.messages) < total - 1:
        if rng.random() < 0.12:
            at += gap(900)
            note(at, rng.choice(agents))
        elif sim.flags.last_public_from_client:
            at += gap(3 * 3600)
            staff_says(at, close=rng.random() < 0.6)
        else:
            at += gap(10 * 3600)
            client_says(at)
    # The last word, as the target state needs it.
    if target == "new_reopened":
        if sim.state != State.ANSWERED:
            at += gap(3 * 3600)
            staff_says(at, close=True)
        at += gap(86400)
        previous = sim.holder
        old, new = sim.move(Action.UNLOCK, at)
        sim.holder = sim.held_at = None
        sim.updated_at = at
        sim.events.append((at, generator.supervisor, Event.Kind.UNLOCKED,
                           {"previous_holder": previous, "from": old, "to": new}))
        client_says(at + gap(86400))
        return sim
    if target in (State.OPEN, State.ON_HOLD):
        if sim.state not in (State.OPEN, State.ON_HOLD):
            client_says(at + gap(10 * 3600))
            at = sim.updated_at
        if target == State.ON_HOLD:
            at += gap(1800)
            _staff_move(sim, at, Action.FREEZE, Event.Kind.FROZEN,
                             reason="Waiting for the datacenter")
            if rng.random() < 0.3:
                client_says(at + gap(86400))
        return sim
    # Answered, resolved or archived: the answer comes last.
    if sim.flags.last_public_from_client or sim.state not in (State.ANSWERED, State.RESOLVED):
        at += gap(3 * 3600)
        staff_says(at, close=True)
    if target == State.RESOLVED or (target == State.ARCHIVED and rng.random() < 0.4):
        at += gap(86400)
        if rng.random() < 0.5:
            _staff_move(sim, at, Action.RESOLVE, Event.Kind.RESOLVED)
        else:
            old, new = sim.move(Action.CLIENT_RESOLVE, at)
            sim.updated_at = at
            sim.events.append((at, client, Event.Kind.RESOLVED, {"from": old, "to": new}))
    if rng.random() < 0.15:
        rated = max(i for i, m in enumerate(sim.messages)
                    if m[1] == "staff" and m[2] == "public")
        at += gap(3600)
        value = "good" if rng.random() < 0.85 else "bad"
        sim.rating = (rated, value, "" if value == "good" else "Took too long", at)
        sim.events.append((at, client, Event.Kind.RATED, {"message": rated, "value": value}))
    if target == State.ARCHIVED:
        # Archived by the client, or by the holder; untouched ones by the auto-archiver.
        by_client = rng.random() < 0.3
        at += gap(86400) if by_client else 30 * 86400
        old, new = sim.move(Action.ARCHIVE, at)
        sim.updated_at = at
        sim.events.append((at, client if by_client else None, Event.Kind.ARCHIVED,
                           {"from": old, "to": new}))
    return sim

def _staff_move(sim, at, action, kind, **data):
    old, new = sim.move(action, at)
    sim.updated_at = at
    if kind:
        sim.events.append((at, sim.holder, kind, {**data, "from": old, "to": new}))
