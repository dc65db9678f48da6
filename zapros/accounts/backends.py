"""Signing in with an e-mail address and a password: Django's own backend, except that the
system actor (what background work acts as) never signs in, whatever password it is given."""

from django.contrib.auth.backends import ModelBackend

from .models import Role


class EmailBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.role != Role.SYSTEM
