"""The system actor: who acts when nobody presses a button.

Automatic archiving, resuming on a date and every automation rule call the same operations
as people do, as this user, so that policies decide for it as for anyone and every event
names who acted. It has role ``system``, no usable password (it never signs in), and is in no
department or staff list. A migration creates it; :func:`system_actor` creates it again in a
database emptied since (tests that flush tables).
"""

from django.contrib.auth.hashers import make_password

from .models import Role, User

SYSTEM_EMAIL = "system@zapros.invalid"
SYSTEM_NAME = "Zapros"


def system_actor() -> User:
    user, _created = User.objects.get_or_create(
        email=SYSTEM_EMAIL,
        defaults={"name": SYSTEM_NAME, "role": Role.SYSTEM, "password": make_password(None)},
    )
    return user
