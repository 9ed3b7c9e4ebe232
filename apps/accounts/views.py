from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import LoginForm, TokenCreateForm
from .selectors import memberships_for_user, tokens_of
from .services import token_create, token_revoke


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="throttled"):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); redirects to the login page."""


def _profile(request, *, form=None, new_token=None, new_key=None, status=200):
    context = {
        "memberships": memberships_for_user(request.user),
        "tokens": tokens_of(request.user),
        "form": form or TokenCreateForm(),
        "new_token": new_token,
        "new_key": new_key,
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def profile(request):
    return _profile(request)


@login_required
@require_POST
def token_create_view(request):
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _profile(request, form=form, status=400)
    token, key = token_create(user=request.user, name=form.cleaned_data["name"])
    # The key is rendered in this response only, never stored or put in the session.
    response = _profile(request, new_token=token, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    if token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked.")
    else:
        messages.error(request, "No such active token.")
    return redirect("accounts:profile")
