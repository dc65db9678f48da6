from functools import partial

from django.urls import path
from ninja.openapi.views import openapi_view

from .api import api

urlpatterns = [
    path("v1/", api.urls),
    path("docs", partial(openapi_view, api=api), name="api-docs"),
]
