from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "paperfeed.library"
    label = "library"

    def ready(self) -> None:
        # Every list of cards shows this reader's save button beside the vote (community/cards.py
        # cannot ask the library: it sits on the floor below).
        from paperfeed.community import cards
        from paperfeed.library.cards import register_fillers, save_boxes, saved_by

        cards.reader_part_register(cards.ReaderPart(boxes=save_boxes, mine=saved_by))
        # The paper page's save button and collections in a member's shared body.
        register_fillers()
