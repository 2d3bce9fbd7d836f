from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from paperfeed.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("verify/<str:token>", views.verify, name="verify"),
    path("verify-again", views.verify_again, name="verify_again"),
    path("login", views.login, name="login"),
    path("logout", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("password/reset", views.password_reset, name="password_reset"),
    path(
        "password/reset/sent",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/reset_done.html"),
        name="password_reset_complete",
    ),
    path(
        "password/change",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:settings"),
        ),
        name="password_change",
    ),
    path("settings", views.settings_page, name="settings"),
    path("settings/profile", views.profile_edit, name="profile_edit"),
    path("settings/email", views.email_change, name="email_change"),
    path("settings/tokens", views.token_new, name="token_new"),
    path("settings/tokens/<int:pk>/revoke", views.token_revoke, name="token_revoke"),
]
