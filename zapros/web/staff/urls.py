from django.urls import path

from zapros.web import converters  # noqa: F401  (registers <ticket:…>)

from . import diagnostics, history, response_templates, views

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
    path("tickets/<ticket:number>/transfer/", views.transfer, name="transfer"),
    path("tickets/<ticket:number>/messages/", history.messages_view, name="messages"),
    path("tickets/<ticket:number>/messages/<int:message_id>/edit/", history.edit_message,
         name="edit_message"),
    path("tickets/<ticket:number>/split/", history.split, name="split"),
    path("tickets/<ticket:number>/merge/", history.merge, name="merge"),
    path("tickets/<ticket:number>/follow/", views.follow, name="follow"),
    path("tickets/<ticket:number>/unfollow/", views.unfollow, name="unfollow"),
    path("tickets/<ticket:number>/cc/add/", views.cc_add, name="cc_add"),
    path("tickets/<ticket:number>/cc/remove/", views.cc_remove, name="cc_remove"),
    path("tickets/<ticket:number>/mails/<int:mail_id>/retry/", views.retry_mail,
         name="retry_mail"),
    path("tickets/<ticket:number>/template/", response_templates.template_insert,
         name="template_render"),
    path("tickets/<ticket:number>/whois/", diagnostics.whois, name="whois"),
    path("tickets/<ticket:number>/dns/", diagnostics.dns, name="dns"),
    path("templates/", response_templates.templates, name="templates"),
    path("templates/<int:template_id>/", response_templates.template_edit,
         name="template_edit"),
    path("templates/<int:template_id>/deactivate/", response_templates.template_deactivate,
         name="template_deactivate"),
]
