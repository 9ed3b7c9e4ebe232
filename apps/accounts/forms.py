from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Wrong username or password. Both are case-sensitive.",
        "inactive": "This account is disabled.",
        "external": "This account stands for an imported annotator and cannot log in.",
    }

    def confirm_login_allowed(self, user):
        if user.is_external:
            raise forms.ValidationError(self.error_messages["external"], code="external")
        super().confirm_login_allowed(user)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, required=False, help_text="What the token is for, e.g. “labelling script”."
    )
