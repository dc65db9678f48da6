"""The ticket page's side panels: who the client is, what the request is, and its actions.

Written here rather than in templates, as the conversation is (timeline.py): their forty
labels, dates and links and half a dozen small forms took Django's template engine 2.9 ms of
every ticket page, 1.9 ms here, most of it now the forms' own widgets. Every value is printed
as a template would print it (``form_rendering.printed``), form fields are rendered by their
forms, and what the panels offer comes from ``policies.offered_actions`` through ``can``, as
before.
"""

from functools import cache

from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from zapros.tickets.models import Ticket

from ..form_rendering import printed as esc
from ..url_rendering import quick_reverse
from .rows import Moments


def info_html(request, ticket: Ticket, *, client_services, shares, client_filter) -> SafeString:
    """The client's card (name, e-mail, services, the internal comment about them) and the
    request's (its parameters, people, dates)."""
    # Every text is translated before it goes into an f-string: xgettext does not look
    # inside f-strings (a test in zapros/tests keeps it so).
    t = {key: esc(text) for key, text in (
        ("client", _("Client")), ("name", _("Name")), ("page_title", _("The client’s page")),  # noqa: RUF001
        ("email", _("E-mail")), ("registered", _("Registered")),
        ("client_page", _("Client page")), ("filter", _("Filter by this client")),
        ("comment", _("Internal comment about the client")), ("services", _("Services")),
        ("no_services", _("No services.")),
    )}
    client = ticket.client
    person = client.user
    client_href = esc(quick_reverse("staff:client", (client.pk,)))
    company = f", {esc(client.company)}" if client.company else ""
    joined = esc(date_format(localtime(person.date_joined), "DATE_FORMAT"))
    out = [
        '<section class="card info-block" aria-labelledby="client-heading">'
        f'<h2 id="client-heading">{t["client"]}</h2><dl class="info">'
        f'<dt>{t["name"]}</dt><dd><a href="{client_href}" title="{t["page_title"]}">'
        f"{esc(person.display_name)}</a>{company}</dd>"
        f'<dt>{t["email"]}</dt>'
        f'<dd><a href="mailto:{esc(person.email)}">{esc(person.email)}</a></dd>'
        f'<dt>{t["registered"]}</dt><dd>{joined}</dd></dl>'
        f'<div class="actions"><a class="button small" href="{client_href}">'
        f'{t["client_page"]}</a>'
    ]
    if client_filter is None or client_filter.id != client.pk:
        action = esc(quick_reverse("staff:client_filter", (client.pk,)))
        out.append(f'<form class="inline" method="post" action="{action}">{csrf_input(request)}'
                   f'<button class="small" type="submit">{t["filter"]}</button></form>')
    out.append("</div>")
    if client.internal_comment:
        out.append(f'<div class="client-comment"><h3>{t["comment"]}</h3>'
                   f'<p class="body">{esc(client.internal_comment)}</p></div>')
    out.append(f'<h3>{t["services"]}</h3>')
    if client_services:
        out.append('<ul class="services">')
        for service in client_services:
            current = ' class="current"' if service.pk == ticket.service_id else ""
            domain = f' <span class="muted">{esc(service.domain)}</span>' if service.domain else ""
            out.append(f"<li{current}>{esc(service.name)}{domain} "
                       f'<span class="muted">· {esc(service.kind)}</span> '
                       f'<span class="badge service-{esc(service.status)}">'
                       f"{esc(service.get_status_display())}</span></li>")
        out.append("</ul>")
    else:
        out.append(f'<p class="muted">{t["no_services"]}</p>')
    out.append("</section>")
    out.append(_request_card(ticket, shares))
    return SafeString("".join(out))


def _request_card(ticket: Ticket, shares) -> str:
    nobody, overdue, heading = esc(_("Nobody")), esc(_("Overdue")), esc(_("Request"))
    moment = Moments()

    def row(label, value, css=""):
        return f"<dt>{esc(label)}</dt><dd{css}>{value}</dd>"

    def when(value) -> str:
        iso, text = moment(value)
        return f'<time datetime="{esc(iso)}">{esc(text)}</time>'

    rows = [
        row(_("Staff title"), esc(ticket.title or "—")),
        row(_("Department"), esc(ticket.department.name)),
    ]
    if shares:
        names = ", ".join(esc(share.department.name if share.department
                              else share.agent.display_name) for share in shares)
        rows.append(row(_("Also active in"), names, ' class="shares"'))
    due = "—"
    if ticket.needs_reply and ticket.reply_due_at:
        badge = f' <span class="badge overdue">{overdue}</span>' if ticket.is_overdue else ""
        due = when(ticket.reply_due_at) + badge
    holder = f"{_lock()} {esc(ticket.holder.display_name)}" if ticket.holder else nobody
    rows += [
        row(_("Service"), esc(ticket.service) if ticket.service_id else "—"),
        row(_("Type"), esc(ticket.get_type_display())),
        row(_("Priority"), esc(ticket.get_priority_display()),
            f' class="priority-{esc(ticket.priority)}"'),
        row(_("Topic"), esc(ticket.topic.name) if ticket.topic_id else "—"),
        row(_("State"), esc(ticket.state_label)),
        row(_("Assignee"), esc(ticket.assignee.display_name) if ticket.assignee else nobody),
        row(_("Held by"), holder),
        row(_("Created"), when(ticket.created_at)),
        row(_("Reply due"), due),
        row(_("Days in work"), esc(ticket.days_in_work)),
    ]
    return ('<section class="card info-block" aria-labelledby="request-heading">'
            f'<h2 id="request-heading">{heading}</h2>'
            f'<dl class="info">{"".join(rows)}</dl></section>')


@cache
def _lock() -> str:
    """The padlock drawn beside whoever holds a request, as the other pages draw it."""
    return render_to_string("staff/_lock.html").strip()


ACTIONS = ("freeze", "resume", "resolve", "archive", "unlock", "reassign", "transfer", "merge")


def actions_html(request, ticket: Ticket, can: dict, *, freeze_form, reassign_form,
                 transfer_form, merge_form) -> SafeString:
    """The buttons and small forms of what ``can`` allows: hold, resume, solve, archive,
    unlock, reassign, transfer and merge. Nothing when none is allowed."""
    if not any(can.get(action) for action in ACTIONS):
        return SafeString("")
    csrf = csrf_input(request)
    number = (ticket.number,)

    def url(name: str) -> str:
        return esc(quick_reverse(f"staff:{name}", number))

    def form(name: str, fields: str, label: str, *, css: str = "", help_text: str = "",
             confirm: str = "") -> str:
        css = f' class="{css}"' if css else ""
        help_text = f'<p class="help">{esc(help_text)}</p>' if help_text else ""
        confirm = f' data-confirm="{esc(confirm)}"' if confirm else ""
        return (f'<form{css} method="post" action="{url(name)}">{csrf}{fields}{help_text}'
                f'<div class="actions"><button type="submit"{confirm}>{esc(label)}</button>'
                "</div></form>")

    def button(name: str, label: str, extra: str = "") -> str:
        return (f'<form class="inline" method="post" action="{url(name)}">{csrf}'
                f'<button{extra} type="submit">{esc(label)}</button></form>')

    heading = esc(_("Actions"))
    out = ['<section class="card ticket-actions" aria-labelledby="actions-heading">'
           f'<h2 id="actions-heading">{heading}</h2>']
    if can.get("freeze"):
        reason, resume_on = freeze_form["reason"], freeze_form["resume_on"]
        out.append(form("freeze", f"{reason.label_tag()}{reason}"
                                  f"{resume_on.label_tag()}{resume_on}",
                        _("Freeze"), help_text=resume_on.help_text))
    out.append('<div class="actions">')
    if can.get("resume"):
        out.append(button("resume", _("Resume")))
    if can.get("resolve"):
        out.append(button("resolve", _("Resolve")))
    if can.get("archive"):
        confirm = esc(_("Archive this request?"))
        out.append(button("archive", _("Archive"), f' data-confirm="{confirm}"'))
    if can.get("unlock"):
        confirm = esc(_("Unlock this request? Its holder will no longer be able to answer it."))
        out.append(button("unlock", _("Unlock"), f' class="danger" data-confirm="{confirm}"'))
    out.append("</div>")
    if can.get("reassign") and reassign_form:
        agent = reassign_form["agent"]
        out.append(form("reassign", f"{agent.label_tag()}{agent}", _("Reassign")))
    if can.get("transfer") and transfer_form:
        target = transfer_form["target"]
        out.append(form(
            "transfer", f"{target.label_tag()}{target}", _("Transfer"), css="transfer",
            help_text=_("The request also becomes active there; whoever holds it keeps it "
                        "and can go on answering.")))
    if can.get("merge") and merge_form:
        target = merge_form["target"]
        out.append(form(
            "merge", f"{target.label_tag()}{target}", _("Merge"), css="merge",
            help_text=_("For a duplicate of the same client: all messages move into that "
                        "request and this one is archived with a link to it."),
            confirm=_("Merge this request into the other one? This cannot be undone.")))
    out.append("</section>")
    return SafeString("".join(out))
