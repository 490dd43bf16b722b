from __future__ import annotations

from django.contrib.auth import views as auth_views

from sendtrack.accounts.access import public
from sendtrack.accounts.forms import SignInForm

sign_in = public(
    auth_views.LoginView.as_view(
        template_name="accounts/sign_in.html", authentication_form=SignInForm, redirect_authenticated_user=True
    )
)
# Signing out needs no role: anyone signed in may end their session (POST only, CSRF-protected).
sign_out = public(auth_views.LogoutView.as_view())
