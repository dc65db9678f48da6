from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:requests"), name="index"),
    path("requests/", views.requests, name="requests"),
    path("requests/all/", views.all_requests, name="all"),
    path("requests/new/", views.new, name="new"),
    path("requests/<int:number>/", views.ticket, name="ticket"),
    path("requests/<int:number>/resolve/", views.resolve, name="resolve"),
    path("requests/<int:number>/archive/", views.archive, name="archive"),
    path("requests/<int:number>/rate/", views.rate, name="rate"),
]
