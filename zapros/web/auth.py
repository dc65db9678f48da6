"""Signing in, throttled so that guessing is slow and nobody can lock out an account they do
not know the password of; resetting a password by a link sent through the outbox.

Failed sign-ins are counted twice, as django-axes does with its ``username + ip_address``
lockout parameters and as OWASP advises:

- per account and client address (``ZAPROS_LOGIN_ATTEMPTS`` failures in
  ``ZAPROS_LOGIN_WINDOW_SECONDS``): guessing one account's password from one address stops
  there, while the account's owner, from any other address, still signs in;
- per client address over every account (``ZAPROS_LOGIN_ADDRESS_ATTEMPTS``, a softer limit):
  one address trying many accounts, known or made up, is stopped without stopping the
  people who share that address after a few mistakes of their own.

Failures count the same whether the account exists or not, and the refusal is the same, so
the throttle tells nobody which addresses have accounts. A refused attempt is not checked at
all (a correct password is refused too), or the throttle would confirm a guessed password. A
successful sign-in clears its account-and-address count, never the address's.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _

from zapros.core import throttle
from zapros.core.addresses import client_address
from zapros.notify import outbox


def _limits() -> tuple[throttle.Limit, throttle.Limit]:
    window = settings.ZAPROS_LOGIN_WINDOW_SECONDS
    return (throttle.Limit(settings.ZAPROS_LOGIN_ATTEMPTS, window),
            throttle.Limit(settings.ZAPROS_LOGIN_ADDRESS_ATTEMPTS, window))


def _keys(request, email: str) -> tuple[str, str]:
    address = client_address(request)
    return (throttle.key("login:account", email.strip().lower(), address),
            throttle.key("login:address", address))


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or the password is wrong."),
        "throttled": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        pair_key, address_key = _keys(self.request, self.data.get("username", ""))
        pair_limit, address_limit = _limits()
        if (throttle.wait(pair_key, pair_limit) is not None
                or throttle.wait(address_key, address_limit) is not None):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.count(pair_key, pair_limit)
            throttle.count(address_key, address_limit)
            raise
        throttle.forget(pair_key, pair_limit)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class OutboxPasswordResetForm(PasswordResetForm):
    """The reset link goes out through the outbox like every other mail: the page answers at
    once, the same for known and unknown addresses (a slow mail server would otherwise tell
    them apart), and a mail server that fails gets the mail again later instead of losing
    it."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        outbox.queue(
            reference=f"password-reset:{context['user'].pk}",
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            to=[to_email],
            subject=subject,
            body_text=loader.render_to_string(email_template_name, context),
            body_html=(loader.render_to_string(html_email_template_name, context)
                       if html_email_template_name else ""),
        )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
