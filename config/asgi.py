import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

# Read the key now: without SECRET_KEY in the environment (and DEBUG off) Django refuses to
# start here, instead of at the first request that signs something.
settings.SECRET_KEY  # noqa: B018
application = get_asgi_application()
