from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from paperfeed.papers.periods import FEATURED_FIRST_DAY, featured_last_day

# Papers still to complete from the arXiv API: no abstract, or only a stand-in for arXiv's.
INCOMPLETE = models.Q(abstract="") | ~models.Q(abstract_source="")
# Papers known only from a featured list: no arXiv date and no arXiv listing (``Paper.is_stub``).
STUB = models.Q(published_is_estimate=True, listed_on__isnull=True)


class Author(models.Model):
    name = models.CharField(max_length=1000)
    # Case- and accent-folded name: the same person written "José" and "Jose" is one Author.
    # Curators merge the remaining duplicates by hand.
    key = models.CharField(max_length=1000, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PaperQuerySet(models.QuerySet["Paper"]):
    def visible(self) -> PaperQuerySet:
        """Papers a reader may see: every paper a curator has not hidden."""
        return self.filter(hidden=False)


def visible_through(relation: str) -> models.Q:
    """:meth:`PaperQuerySet.visible` for rows that point at a paper through ``relation``: a join,
    which plans like the paper's own filter (a ``relation__in`` subquery would not)."""
    return models.Q(**{f"{relation}__hidden": False})


class Paper(models.Model):
    class CodeUrlSource(models.TextChoices):
        AUTO = "auto", "found automatically"
        USER = "user", "set by a person"

    arxiv_id = models.CharField(max_length=40, unique=True)
    version = models.PositiveSmallIntegerField(default=1)
    # [{"version": 1, "date": "2024-01-02T03:04:05+00:00"}, ...], oldest first.
    versions = models.JSONField(default=list, blank=True)
    title = models.TextField()
    abstract = models.TextField(blank=True)
    # "" when the abstract is arXiv's; "hf_scrape" when it is the text of the HF paper page
    # (shown as such until arXiv's replaces it).
    abstract_source = models.CharField(max_length=20, blank=True, default="", db_default="")
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=300, blank=True)
    license = models.CharField(max_length=300, blank=True)
    primary_category = models.CharField(max_length=40, blank=True, db_index=True)
    # v1 date. Listing files carry no dates; then it is the day the listing showed the paper, and
    # for a paper known only from a featured list (``is_stub``) the day it was featured.
    # No index of its own: ``paper_newest`` (published, id) serves every range and order on it
    # with the same plans (migration 0022), and each imported paper wrote both.
    published = models.DateTimeField()
    # True while ``published`` is a stand-in (listing day, featured day or id month) awaiting a
    # real v1 date.
    published_is_estimate = models.BooleanField(default=False)
    updated = models.DateTimeField()
    listed_on = models.DateField(null=True, blank=True)
    # The latest day a source that names no version (daily listings, HF pages) showed this
    # paper: a record from an earlier or the same day only fills gaps (papers/merge.py), so
    # re-reading the same days changes nothing.
    last_seen_on = models.DateField(null=True, blank=True)
    code_url = models.URLField(max_length=500, blank=True)
    code_url_source = models.CharField(
        max_length=8, choices=CodeUrlSource.choices, blank=True, default=""
    )
    code_stars = models.PositiveIntegerField(null=True, blank=True)
    # The normal key of code_url's repository ("github.com/owner/repo", papers/codelinks.py),
    # written with code_url by every writer; NULL when it names none. Trending reads recent
    # papers' repositories, and sets the stars of one repository's papers, through it without
    # normalising every URL of the catalogue. NULL rather than "": adding a nullable column is
    # instant on SQLite, where a NOT NULL one rebuilds the whole table.
    code_repo = models.CharField(max_length=300, null=True, blank=True, editable=False)  # noqa: DJ001
    project_page = models.URLField(max_length=500, blank=True)
    # Names of the sources that have supplied this paper ("listing", "hf_daily", ...).
    sources = models.JSONField(default=list, blank=True)
    # Counters kept by the community services with atomic F() updates, so list pages need no
    # COUNT(*) per paper. Votes and comments themselves live in the community app.
    # db_default: the importer writes rows with raw SQL and never names these columns.
    upvote_count = models.PositiveIntegerField(default=0, db_default=0)
    comment_count = models.PositiveIntegerField(default=0, db_default=0)
    # Hidden by a curator: kept in the catalogue, shown nowhere.
    hidden = models.BooleanField(default=False, db_default=False)
    authors: models.ManyToManyField[Author, PaperAuthor] = models.ManyToManyField(
        Author, through="PaperAuthor", related_name="papers"
    )
    # When the arXiv API was last asked for this paper's missing metadata (an HF listing or a
    # scrape gives titles without abstracts): asked once, so a paper arXiv does not return is
    # not requested again and again.
    arxiv_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        indexes = [
            models.Index(fields=["-published", "-id"], name="paper_newest"),
            # Small and covering, so counting the visible catalogue never reads the wide rows
            # (abstracts live inline): ~1 ms per 10k papers instead of a full table scan.
            models.Index(fields=["id"], name="paper_visible", condition=models.Q(hidden=False)),
            # The few hidden papers, so search can leave them out without a join per match.
            models.Index(fields=["id"], name="paper_hidden", condition=models.Q(hidden=True)),
            # The few papers known only from a featured list (``is_stub``): search ranks them
            # lower without reading the wide rows.
            models.Index(
                fields=["id"],
                name="paper_stub",
                condition=STUB,
            ),
            # The visible papers arXiv announced (not ``is_stub``), newest first: /papers/new
            # pages through it and counts it without reading the wide rows. Stubs carry recent
            # featured days, so walking ``paper_newest`` would step over them first. The
            # condition's columns are in it too: SQLite (3.40) counts through a partial index
            # only when it also holds the columns its WHERE names, else it scans the table
            # (27 s at 2.7 M papers on a loaded machine, past gunicorn's timeout; S58).
            models.Index(
                fields=["-published", "-id", "hidden", "listed_on", "published_is_estimate"],
                name="paper_announced",
                condition=models.Q(hidden=False) & ~STUB,
            ),
            # The papers of one repository, for the star counts (trending/codestars.py).
            models.Index(
                fields=["code_repo"],
                name="paper_code_repo",
                condition=models.Q(code_repo__isnull=False),
            ),
            # The papers with a repository and no star count yet (a link just found or changed).
            models.Index(
                fields=["code_repo"],
                name="paper_code_unstarred",
                condition=models.Q(code_repo__isnull=False, code_stars__isnull=True),
            ),
            # The papers still to complete from the arXiv API, newest first, without a scan.
            models.Index(
                fields=["-published", "-id"],
                name="paper_incomplete",
                condition=INCOMPLETE & models.Q(arxiv_checked_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    @property
    def is_stub(self) -> bool:
        """Known only from a featured list: no arXiv date and no arXiv listing yet, so
        ``published`` holds the day it was featured."""
        return self.published_is_estimate and self.listed_on is None

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


# The link tables' references are checked by the database, but not by a foreign key on
# PostgreSQL: by triggers that check each statement's rows at once, where a foreign key's
# trigger checks row by row (migration papers/0020; docs/architecture.md, "Catalogue links").
# SQLite keeps its inline REFERENCES. Deletions still cascade through Django's collector.


class PaperAuthor(models.Model):
    # No separate index on paper: the unique (paper, position) index serves those lookups, and
    # every extra index slows the bulk import.
    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="authorships",
        db_index=False,
        db_constraint=False,
    )
    author = models.ForeignKey(
        Author, on_delete=models.CASCADE, related_name="authorships", db_constraint=False
    )
    position = models.PositiveSmallIntegerField()
    # The name as this paper writes it; ``author`` groups one person's spellings for search and
    # author pages, and keeps the first spelling it met.
    name = models.CharField(max_length=1000, default="")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paperauthor_position")
        ]

    def __str__(self) -> str:
        return f"{self.author_id} #{self.position} on {self.paper_id}"


class PaperCategory(models.Model):
    """One row per (paper, category), so category filters use an index instead of a scan."""

    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="category_links",
        db_index=False,
        db_constraint=False,
    )
    category = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "category"], name="papercategory_unique")
        ]
        indexes = [models.Index(fields=["category", "paper"], name="papercategory_by_cat")]

    def __str__(self) -> str:
        return self.category


class FeaturedQuerySet(models.QuerySet["Featured"]):
    def listed(self) -> FeaturedQuerySet:
        """Entries a featured list shows: not hidden by a curator, of a visible paper, on a day
        a featured day can be (``periods.featured_day_problem``)."""
        return self.filter(
            models.Q(hidden=False),
            visible_through("paper"),
            day__range=(FEATURED_FIRST_DAY, featured_last_day(timezone.localdate())),
        )


class Featured(models.Model):
    """A paper on the featured list of one day; the daily, weekly and monthly pages list these."""

    class Source(models.TextChoices):
        HF_DAILY = "hf_daily", "Hugging Face daily papers"
        CURATOR = "curator", "a curator"
        SUBMISSION = "submission", "a community submission"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="featured")
    day = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Display name of whoever submitted it at the source (HF's submittedOnDailyBy).
    submitter_name = models.CharField(max_length=150, blank=True)
    # Upvotes the paper had at the source (e.g. HF) when last imported.
    upvotes = models.PositiveIntegerField(default=0)
    comment = models.TextField(blank=True)
    # Curation: a pinned entry leads its day; a hidden one is kept but not listed.
    pinned = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeaturedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-upvotes"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "day"], name="featured_once_per_day")
        ]
        indexes = [models.Index(fields=["day", "-upvotes"], name="featured_by_day")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} on {self.day}"


class Thumbnail(models.Model):
    """The first-page image of a paper (a file under PAPERFEED_THUMBNAIL_DIR), or why there is
    none. No row: not tried yet. A failure is recorded so it is not retried in a loop: never
    again when the PDF itself is the problem, after ``retry_at`` when the fetch was."""

    class State(models.TextChoices):
        DONE = "done", "rendered"
        FAILED = "failed", "failed"

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="thumbnail"
    )
    state = models.CharField(max_length=8, choices=State.choices)
    reason = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    # Failures worth another try (arXiv unreachable): not before this time; None: never.
    retry_at = models.DateTimeField(null=True, blank=True)
    # The image's size, for the <img> width and height (no layout shift while it loads).
    width = models.PositiveSmallIntegerField(default=0)
    height = models.PositiveSmallIntegerField(default=0)
    # Part of the image's URL (?v=), so a browser may keep an image for a year: a new one
    # gets a new URL.
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.state}"


class CatalogueVersion(models.Model):
    """A single row counting the writes that can change what a search returns: imports, edits
    and hiding or showing a paper. Search results are cached under this number, so one such
    write makes every cached result stale at once, in every process, with no shared cache."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


# Similar papers and papers at a glance live in their own modules (paperfeed/papers/similar,
# paperfeed/papers/glance); imported here so that Django registers the models with the papers app.
from paperfeed.papers.glance.models import PaperGlance, SummaryBudget  # noqa: E402, F401
from paperfeed.papers.similar.models import SimilarPaper  # noqa: E402, F401
