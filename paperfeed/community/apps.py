from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "paperfeed.community"
    label = "community"

    def ready(self) -> None:
        # Imported here: the receivers import the models, not loadable before ready.
        from paperfeed.community.receivers import move_claims_to_kept_author
        from paperfeed.papers.signals import authors_merging

        authors_merging.connect(move_claims_to_kept_author, dispatch_uid="community.claims")

        # The vote columns of a member's page served from a shared body (core/readerslots.py).
        from paperfeed.community.cards import card_filler
        from paperfeed.core.readerslots import filler_register

        filler_register("card", card_filler)
