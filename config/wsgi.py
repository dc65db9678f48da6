import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings

# Read the key now: without SECRET_KEY in the environment (and DEBUG off) Django refuses to
# start here, instead of at the first request that signs something.
settings.SECRET_KEY  # noqa: B018
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 -- the views and their modules, imported now

# Everything loaded so far (Django, the apps, the views and their modules) lives as long as
# the process: set it aside from the garbage collector, whose full passes over it took
# ~100 ms of a request every few hundred requests. In workers forked from a preloading
# master it also keeps those pages shared.
gc.freeze()
