"""Signing in, with throttling of repeated failures per address and per client IP."""

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _


def _keys(request, email: str) -> list[str]:
    ip = request.META.get("REMOTE_ADDR", "")
    return [f"login-fail:ip:{ip}", f"login-fail:email:{email.strip().lower()}"]


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail or the password is wrong."),
        "throttled": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        email = self.data.get("username", "")
        keys = _keys(self.request, email)
        limit = settings.ZAPROS_LOGIN_ATTEMPTS
        if any((cache.get(key) or 0) >= limit for key in keys):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            for key in keys:
                cache.add(key, 0, settings.ZAPROS_LOGIN_WINDOW_SECONDS)
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, settings.ZAPROS_LOGIN_WINDOW_SECONDS)
            raise


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True
