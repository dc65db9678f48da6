"""What the workspace's navigation asks of the reports: whether to offer them at all. The
answer is the domain's rule (``roles.may_see_reports``), so that the link and the pages can
never disagree."""

from django import template

from zapros.accounts import roles

register = template.Library()


@register.filter
def may_see_reports(user) -> bool:
    return roles.may_see_reports(user)
