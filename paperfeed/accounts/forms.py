from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from paperfeed.accounts.services import AccountError, display_name_check


class SignupForm(UserCreationForm):
    email = forms.EmailField(max_length=254, help_text="We send a link to confirm it.")
    display_name = forms.CharField(max_length=80, required=False)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

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
