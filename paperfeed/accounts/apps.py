from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "paperfeed.accounts"
    label = "accounts"

    def ready(self) -> None:
        # The menu and messages of a member's page served from a shared body.
        from paperfeed.accounts import reader_parts

        reader_parts.register()
