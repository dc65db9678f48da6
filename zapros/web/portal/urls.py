from django.urls import path
from django.views.generic import RedirectView

from zapros.web import converters  # noqa: F401  (registers <ticket:…>)

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:requests"), name="index"),
    path("requests/", views.requests, name="requests"),
    path("requests/all/", views.all_requests, name="all"),
    path("requests/new/", views.new, name="new"),
    path("requests/search/", views.search_page, name="search"),
    path("requests/<ticket:number>/", views.ticket, name="ticket"),
    path("requests/<ticket:number>/resolve/", views.resolve, name="resolve"),
    path("requests/<ticket:number>/archive/", views.archive, name="archive"),
    path("requests/<ticket:number>/rate/", views.rate, name="rate"),
    path("requests/<ticket:number>/cc/add/", views.cc_add, name="cc_add"),
    path("requests/<ticket:number>/cc/remove/", views.cc_remove, name="cc_remove"),
]
