from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from duijie.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("sign-up/", views.sign_up, name="signup"),
    path("verify/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("password/reset/", views.PasswordReset.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("password/change/", views.PasswordChange.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("join-requests/<int:pk>/cancel/", views.join_request_cancel, name="join_request_cancel"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/members/", views.organisation_members, name="organisation_members"),
    path("organisations/<int:pk>/join/", views.join_request_create, name="join_request_create"),
    path("organisations/<int:pk>/invitations/", views.invitation_create, name="invitation_create"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("join-requests/<int:pk>/decide/", views.join_request_decide, name="join_request_decide"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/role/", views.user_role, name="user_role"),
]
