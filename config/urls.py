from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("zapros.api.urls")),
    path("", include("zapros.web.urls")),
]
