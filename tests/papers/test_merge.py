from __future__ import annotations

from datetime import UTC, date, datetime

from paperfeed.papers.merge import author_key, merge
from paperfeed.papers.records import PaperRecord

V1 = datetime(2025, 3, 17, 12, 0, tzinfo=UTC)
V2 = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)


def record(**overrides) -> PaperRecord:
    values = {
        "arxiv_id": "2503.13531",
        "source": "arxiv_api",
        "version": 1,
        "title": "Original title",
        "abstract": "Original abstract.",
        "authors": ["Jin Kim", "Byunghwee Lee"],
        "categories": ["cs.CV", "cs.AI"],
        "published": V1,
        "updated": V1,
        "versions": [(1, V1)],
    }
    values.update(overrides)
    return PaperRecord(**values)


def test_new_paper_takes_every_field():
    state, changed = merge(None, record())
    assert changed
    assert state.title == "Original title"
    assert state.primary_category == "cs.CV"
    assert state.published == V1 and not state.published_is_estimate
    assert state.versions == [{"version": 1, "date": V1.isoformat()}]
    assert state.sources == ["arxiv_api"]


def test_same_record_twice_changes_nothing():
    state, _ = merge(None, record())
    again, changed = merge(state, record())
    assert not changed
    assert again == state


def test_newer_version_replaces_older():
    state, _ = merge(None, record())
    newer, changed = merge(
        state,
        record(version=2, title="Revised title", updated=V2, versions=[(1, V1), (2, V2)]),
    )
    assert changed
    assert newer.title == "Revised title"
    assert newer.version == 2
    assert newer.published == V1  # v1 date stays the published date
    assert newer.updated == V2
    assert [entry["version"] for entry in newer.versions] == [1, 2]


def test_older_version_does_not_replace_but_fills_gaps():
    state, _ = merge(None, record(version=2, title="Revised", comments=None, versions=[(2, V2)]))
    older, _ = merge(state, record(version=1, title="Original", comments="12 pages"))
    assert older.title == "Revised"
    assert older.comments == "12 pages"
    assert older.version == 2


def test_missing_fields_are_kept():
    state, _ = merge(None, record(comments="30 pages", doi="10.1/x"))
    merged, changed = merge(state, record(source="listing", comments=None, doi=None, version=None))
    assert merged.comments == "30 pages"
    assert merged.doi == "10.1/x"
    assert merged.sources == ["arxiv_api", "listing"]
    assert changed  # a new source was recorded


def test_listing_date_is_an_estimate_until_a_real_v1_date_arrives():
    listing = record(
        source="listing",
        version=None,
        published=None,
        updated=None,
        versions=None,
        listed_on=date(2025, 3, 18),
    )
    state, _ = merge(None, listing)
    assert state.published == datetime(2025, 3, 18, tzinfo=UTC)
    assert state.published_is_estimate
    real, _ = merge(state, record())
    assert real.published == V1 and not real.published_is_estimate
    # A later listing never overrides the real date, and the earliest listing day is kept.
    later, _ = merge(
        real, PaperRecord(arxiv_id="2503.13531", source="listing", listed_on=date(2025, 3, 20))
    )
    assert later.published == V1
    assert later.listed_on == date(2025, 3, 18)


def test_code_link_set_by_a_person_is_never_replaced():
    state, _ = merge(None, record(code_url="https://github.com/a/b"))
    assert state.code_url_source == "auto"
    state.code_url, state.code_url_source = "https://github.com/person/choice", "user"
    merged, _ = merge(state, record(code_url="https://github.com/a/other"))
    assert merged.code_url == "https://github.com/person/choice"


def test_a_code_link_carries_its_repository_key_and_a_new_repository_drops_the_old_count():
    state, _ = merge(None, record(code_url="https://github.com/Acme/Rocket", code_stars=7))
    assert (state.code_repo, state.code_stars) == ("github.com/acme/rocket", 7)
    newer = {"version": 2, "updated": V2, "versions": [(1, V1), (2, V2)]}
    same, _ = merge(state, record(code_url="https://github.com/acme/rocket/tree/main", **newer))
    assert (same.code_repo, same.code_stars) == ("github.com/acme/rocket", 7)
    moved, _ = merge(state, record(code_url="https://gitlab.com/acme/sled", **newer))
    assert (moved.code_repo, moved.code_stars) == ("gitlab.com/acme/sled", None)
    given, _ = merge(state, record(code_url="https://gitlab.com/acme/sled", code_stars=3, **newer))
    assert (given.code_repo, given.code_stars) == ("gitlab.com/acme/sled", 3)
    unknown, _ = merge(None, record(code_url="https://example.org/code"))
    assert unknown.code_repo is None


def test_author_key_folds_case_accents_and_spaces():
    assert author_key("José  Álvarez") == author_key("jose alvarez")
    assert author_key("Zoë") != author_key("Zoe X")


def scrape(**overrides) -> PaperRecord:
    """What the HF scrape parser yields: a title, a featured day, no dates, no version."""
    from paperfeed.papers.records import FeaturedRecord

    values = {
        "arxiv_id": "2503.13531",
        "source": "hf_scrape",
        "title": "Original title",
        "featured": FeaturedRecord(day=date(2025, 3, 20), upvotes=3),
    }
    values.update(overrides)
    return PaperRecord(**values)


def test_a_paper_known_only_from_a_featured_list_is_dated_by_its_featured_day():
    state, _ = merge(None, scrape())
    assert state.published == datetime(2025, 3, 20, tzinfo=UTC)
    assert state.published_is_estimate and state.listed_on is None
    # arXiv's listing is a better stand-in; its real v1 date the real thing.
    listed, _ = merge(
        state,
        record(
            source="listing",
            published=None,
            versions=None,
            listed_on=date(2025, 3, 18),
            version=None,
        ),
    )
    assert listed.published == datetime(2025, 3, 18, tzinfo=UTC)
    assert listed.published_is_estimate and listed.listed_on == date(2025, 3, 18)
    dated, _ = merge(state, record())
    assert dated.published == V1 and not dated.published_is_estimate


def test_a_scraped_abstract_is_marked_and_arxivs_always_wins():
    from paperfeed.papers.records import FeaturedRecord

    scraped = scrape(abstract="Scraped abstract.", abstract_source="hf_scrape")
    state, _ = merge(None, scraped)
    assert (state.abstract, state.abstract_source) == ("Scraped abstract.", "hf_scrape")
    # arXiv's abstract replaces it, even from a record for an older version than stored.
    older = PaperRecord(
        arxiv_id="2503.13531", source="arxiv_api", version=1, abstract="Original abstract."
    )
    state.version = 3
    arxiv, changed = merge(state, older)
    assert changed
    assert (arxiv.abstract, arxiv.abstract_source) == ("Original abstract.", "")
    # A later scrape never replaces arXiv's abstract, and merging it again changes nothing.
    again, changed = merge(arxiv, scraped)
    assert (again.abstract, again.abstract_source) == ("Original abstract.", "")
    assert merge(again, scraped)[1] is False
    # A scraped text from a later featured day replaces an older scraped one; the page of the
    # earlier day, read again, does not bring its text back (a re-import changes nothing).
    later_day = FeaturedRecord(day=date(2025, 3, 21), upvotes=5)
    newer_scrape = scrape(abstract="Newer scrape.", abstract_source="hf_scrape", featured=later_day)
    newer, _ = merge(state, newer_scrape)
    assert (newer.abstract, newer.abstract_source) == ("Newer scrape.", "hf_scrape")
    reread, _ = merge(newer, scraped)
    assert (reread.abstract, reread.abstract_source) == ("Newer scrape.", "hf_scrape")
    same_day, _ = merge(state, scrape(abstract="Other text.", abstract_source="hf_scrape"))
    assert same_day.abstract == "Scraped abstract."


def test_every_real_scraped_paper_is_dated_by_its_first_featured_day(shared_dir):
    """Over the real HF scrapes: no stub shows an invented date, only the day it was featured."""
    from paperfeed.ingest.parsers.hf_daily import parse_hf_scrape_path

    archive = shared_dir / "data/hf_daily_papers"
    states: dict = {}
    first_day: dict = {}
    for item in parse_hf_scrape_path(next(archive.glob("*.tar.xz"))):
        if not isinstance(item, PaperRecord) or item.featured is None:
            continue
        states[item.arxiv_id], _ = merge(states.get(item.arxiv_id), item)
        first_day.setdefault(item.arxiv_id, item.featured.day)
    assert len(states) == 3868
    for key, state in states.items():
        assert state.published_is_estimate and state.listed_on is None
        assert state.published == datetime.combine(first_day[key], datetime.min.time(), UTC)
    with_abstract = [s for s in states.values() if s.abstract_source == "hf_scrape"]
    assert 300 < len(with_abstract) < len(states) // 2


def test_authors_folded_beforehand_merge_as_when_folded_here():
    from paperfeed.papers.merge import distinct_authors

    lists = [
        ["Jin Kim", "Byunghwee Lee"],
        ["José García", "Jose Garcia", "  JOSÉ   GARCÍA ", "Zoë Lee", "zoe lee"],
        ["Ann Lee", "Ann Lee"],
        [],
    ]
    for names in lists:
        keys = [author_key(name) for name in names]
        assert distinct_authors(names, keys) == distinct_authors(names)
        assert distinct_authors(names, keys[:-1]) == distinct_authors(names)  # not aligned
        folded = record(authors=names, author_keys=keys)
        assert merge(None, folded) == merge(None, record(authors=names))
    assert distinct_authors(["José García", "Jose Garcia", "Ann"]) == ["José García", "Ann"]
