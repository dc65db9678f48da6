from django.urls import path

from zapros.web import converters  # noqa: F401  (registers <ticket:…>)

from . import clients, preferences, response_templates, views

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
    path("tickets/<ticket:number>/template/", response_templates.template_insert,
         name="template_render"),
    path("templates/", response_templates.templates, name="templates"),
    path("templates/<int:template_id>/", response_templates.template_edit,
         name="template_edit"),
    path("templates/<int:template_id>/deactivate/", response_templates.template_deactivate,
         name="template_deactivate"),
    path("clients/<int:client_id>/", clients.client_page, name="client"),
    path("clients/<int:client_id>/comment/", clients.client_comment, name="client_comment"),
    path("clients/<int:client_id>/filter/", clients.filter_by_client, name="client_filter"),
    path("clients/filter/clear/", clients.clear_client_filter, name="client_filter_clear"),
    path("settings/", preferences.settings_page, name="settings"),
]
