from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "paperfeed.community"
    label = "community"

    def ready(self) -> None:
        # Imported here: the receivers import the models, not loadable before ready.
        from paperfeed.community.receivers import move_claims_to_kept_author
        from paperfeed.papers.signals import authors_merging

        authors_merging.connect(move_claims_to_kept_author, dispatch_uid="community.claims")

        # The vote boxes and comments of a member's page served from a shared body.
        from paperfeed.community import reader_parts

        reader_parts.register()

        # The search page writes its cards with the cards every list shows.
        from paperfeed.community.cards import search_cards
        from paperfeed.papers import search_page

        search_page.cards_register(search_cards)

        # The verified authors read with the papers' rows, not in a statement of their own.
        from paperfeed.community.selectors import VERIFIED_NAMES_SQL
        from paperfeed.papers import row_statement

        row_statement.verified_sql_register(VERIFIED_NAMES_SQL)

        # A member's kept paper page names its verified authors: their claims move its version.
        from paperfeed.community.selectors import CLAIMS_VERSION_SQL
        from paperfeed.papers.shown_parts import paper_shown_part_register

        paper_shown_part_register("claims", CLAIMS_VERSION_SQL)
