from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm, UsernameField
from django.contrib.auth.models import User

from paperfeed.accounts.services import AccountError, account_mail_queue, display_name_check


class SignupForm(UserCreationForm):
    email = forms.EmailField(max_length=254, help_text="We send a link to confirm it.")
    display_name = forms.CharField(max_length=80, required=False)

    class Meta:
        model = User
        fields = ("username", "email")
        # As UserCreationForm.Meta (which the type stubs do not declare): NFKC usernames.
        field_classes = {"username": UsernameField}

    def clean_display_name(self) -> str:
        try:
            return display_name_check(self.cleaned_data.get("display_name", ""))
        except AccountError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=80, required=False)
    bio = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_display_name(self) -> str:
        try:
            return display_name_check(self.cleaned_data.get("display_name", ""))
        except AccountError as exc:
            raise forms.ValidationError(str(exc)) from exc


class EmailChangeForm(forms.Form):
    email = forms.EmailField(max_length=254, label="New email address")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, label="Your password")


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the mail queued for the worker instead of sent in the request
    (see services.account_mail_queue): the answer then takes as long for an unknown address
    as for a registered one."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        account_mail_queue(kind="reset", user=context["user"], email=to_email)
