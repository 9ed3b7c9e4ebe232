from django import forms
from django.contrib.auth.forms import AuthenticationForm

from . import throttling


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong username or password. Both are case-sensitive.",
        "inactive": "This account is disabled.",
        "external": "This account stands for an imported annotator and cannot log in.",
    }

    def clean(self):
        """Refuses to check a password once this username and address used up their attempts (throttling)."""
        username = self.cleaned_data.get("username") or ""
        address = throttling.client_address(self.request) if self.request else "unknown"
        lockout = throttling.lockout_for(username, address)
        if lockout is not None:
            raise forms.ValidationError(lockout.message, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                throttling.record_failure(username, address)
            raise
        throttling.record_success(username, address)
        return cleaned

    def confirm_login_allowed(self, user):
        if user.is_external:
            raise forms.ValidationError(self.error_messages["external"], code="external")
        super().confirm_login_allowed(user)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, required=False, help_text="What the token is for, e.g. “labelling script”."
    )
