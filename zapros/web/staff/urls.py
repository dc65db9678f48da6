from django.urls import path

from zapros.web import converters  # noqa: F401  (registers <ticket:…>)

from . import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/<ticket:number>/", views.ticket, name="ticket"),
    path("tickets/<ticket:number>/reply/", views.reply, name="reply"),
    path("tickets/<ticket:number>/comment/", views.comment, name="comment"),
    path("tickets/<ticket:number>/take/", views.take, name="take"),
    path("tickets/<ticket:number>/freeze/", views.freeze, name="freeze"),
    path("tickets/<ticket:number>/resume/", views.resume, name="resume"),
    path("tickets/<ticket:number>/resolve/", views.resolve, name="resolve"),
    path("tickets/<ticket:number>/archive/", views.archive, name="archive"),
    path("tickets/<ticket:number>/unlock/", views.unlock, name="unlock"),
    path("tickets/<ticket:number>/reassign/", views.reassign, name="reassign"),
]
