"""The agent's own settings: how the ticket page reads for them."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from zapros.accounts import services as account_services
from zapros.accounts.models import FONT_SIZE_MAX, FONT_SIZE_MIN, FontFamily
from zapros.core.errors import DomainError, ValidationFailed
from zapros.web.http import add_domain_error

from .views import staff_member_required


class DisplayForm(forms.Form):
    # Lenient fields: the service decides what is acceptable and names the field at fault.
    font_family = forms.CharField(
        label=gettext_lazy("Font"), required=False,
        widget=forms.Select(choices=FontFamily.choices),
    )
    font_size = forms.CharField(
        label=gettext_lazy("Font size, px"), required=False,
        widget=forms.NumberInput(attrs={"min": FONT_SIZE_MIN, "max": FONT_SIZE_MAX}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["font_size"].help_text = _(
            "From %(min)d to %(max)d; the conversation and the reply are drawn at this size."
        ) % {"min": FONT_SIZE_MIN, "max": FONT_SIZE_MAX}


@staff_member_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    user = request.user
    if request.method == "GET":
        form = DisplayForm(initial={"font_family": user.font_family,
                                    "font_size": user.font_size})
    else:
        form = DisplayForm(request.POST)
        # The service checks the values, so what the browser sent goes to it as it is.
        try:
            account_services.update_display(
                user, font_family=request.POST.get("font_family", ""),
                font_size=request.POST.get("font_size", ""),
            )
        except ValidationFailed as error:
            add_domain_error(request, error, form)
        except DomainError as error:
            add_domain_error(request, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("staff:settings")
    return render(request, "staff/settings.html", {"form": form, "nav": "settings"})
