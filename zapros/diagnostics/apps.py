from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    """Whois and DNS look-ups for a domain. Network code only: no models, no tickets."""

    name = "zapros.diagnostics"
    label = "diagnostics"
    verbose_name = _("Diagnostics")
