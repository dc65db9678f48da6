"""Forms rendered without a template per widget.

Django renders each widget, label and error list through a template, and each of those
includes another one for the attributes, a select one more per option. The ticket page has
a dozen fields and selects listing every department and staff member: through templates
they cost more than the conversation. This renderer writes the common widgets in Python,
exactly as Django's templates would (a test compares the two output for output), and hands
every other template to Django unchanged.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from .html import escape

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = {
    f"{WIDGETS}{name}.html"
    for name in ("input", "text", "email", "url", "number", "password", "hidden", "date",
                 "datetime", "time", "search", "tel", "color", "checkbox", "file")
}
OPTION_TEMPLATE = f"{WIDGETS}select_option.html"


class QuickRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WRITERS.get(template_name)
        if write is not None:
            html = write(context)
            if html is not None:
                return html
        return super().render(template_name, context, request)


def printed(value) -> str:
    """What ``{{ value }}`` prints: localised, escaped unless already safe."""
    if type(value) is str:   # most values: nothing to localise
        return escape(value)
    return escape(localize(value))


def _string(value) -> str:
    """What ``{{ value|stringformat:'s' }}`` prints."""
    kind = type(value)
    if kind is int:
        return str(value)
    return escape(value if kind is str else str(value))


def _attrs(attrs) -> str:
    if not attrs:
        return ""
    return "".join(
        f" {printed(name)}" if value is True else f' {printed(name)}="{_string(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _input(context) -> SafeString:
    widget = context["widget"]
    value = widget["value"]
    shown = f' value="{_string(value)}"' if value is not None else ""
    return mark_safe(f'<input type="{printed(widget["type"])}" name="{printed(widget["name"])}"'
                     f'{shown}{_attrs(widget["attrs"])}>')


def _textarea(context) -> SafeString:
    widget = context["widget"]
    value = printed(widget["value"]) if widget["value"] else ""
    return mark_safe(f'<textarea name="{printed(widget["name"])}"{_attrs(widget["attrs"])}>\n'
                     f"{value}</textarea>")


def _select(context) -> SafeString | None:
    widget = context["widget"]
    parts = [f'<select name="{printed(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{printed(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None   # a custom option template: Django renders the whole select
            parts.append(f'\n  <option value="{_string(option["value"])}"'
                         f'{_attrs(option["attrs"])}>{printed(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def _label(context) -> SafeString:
    if not context["use_tag"]:
        return mark_safe(printed(context["label"]))
    tag = printed(context["tag"])
    return mark_safe(f'<{tag}{_attrs(context["attrs"])}>{printed(context["label"])}</{tag}>')


def _errors(context) -> SafeString:
    errors = context["errors"]
    if not errors:
        return mark_safe("")
    field_id = getattr(errors, "field_id", None)
    named = f' id="{printed(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{printed(error)}</li>" for error in errors)
    return mark_safe(f'<ul class="{printed(context["error_class"])}"{named}>{items}</ul>')


WRITERS = {
    **dict.fromkeys(INPUT_TEMPLATES, _input),
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
}
