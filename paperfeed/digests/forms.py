from __future__ import annotations

from django import forms

from paperfeed.digests import schedule
from paperfeed.digests.models import Subscriber
from paperfeed.digests.services import MAX_PAPERS

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class SubscribeForm(forms.Form):
    # Checked by the service (email-validator), which gives the clearer messages.
    email = forms.CharField(
        max_length=320,
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.org"}),
    )


class PreferencesForm(forms.Form):
    frequency = forms.ChoiceField(choices=Subscriber.Frequency.choices)
    weekday = forms.TypedChoiceField(
        choices=WEEKDAYS, coerce=int, label="Day (weekly digest)", initial=0
    )
    send_time = forms.TimeField(label="Send at", widget=forms.TimeInput(attrs={"type": "time"}))
    timezone = forms.CharField(
        max_length=64, label="Time zone", widget=forms.TextInput(attrs={"list": "time-zones"})
    )
    content = forms.ChoiceField(choices=Subscriber.Content.choices)
    categories = forms.CharField(
        required=False, max_length=1000, help_text="arXiv categories, e.g. cs.CL cs.LG"
    )
    keywords = forms.CharField(
        required=False, max_length=1500, help_text="Words or phrases, separated by commas"
    )
    with_code = forms.BooleanField(required=False, label="Only papers with code")
    only_matching = forms.BooleanField(
        required=False, label="Only papers matching my categories or keywords"
    )
    for_you = forms.BooleanField(
        required=False,
        label="Start with papers for you",
        help_text="Ranked from your library, upvotes and claimed papers (needs an account "
        "with this email address)",
    )
    paper_count = forms.IntegerField(min_value=1, max_value=MAX_PAPERS, label="Papers per digest")

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        if value not in schedule.time_zone_names():
            raise forms.ValidationError("Unknown time zone; use a name like Europe/Paris.")
        return value
