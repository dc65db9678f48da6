from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import auth, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("language/", views.language, name="language"),
    path("files/<int:attachment_id>/", views.download, name="download"),
    path("portal/", include(("zapros.web.portal.urls", "portal"))),
    path("staff/", include(("zapros.web.staff.urls", "staff"))),
]
