"""PostgreSQL: the link tables' foreign keys checked once per statement instead of once per row.

A foreign key runs one trigger per inserted row (an SPI look-up of the parent, locked FOR KEY
SHARE); Django declares them ``DEFERRABLE INITIALLY DEFERRED``, so an import's ~250 k author and
category links were each checked at COMMIT: for a 28 k-paper batch 7-19 s more than writing
the links unchecked took (3.4-5.3 s), at load 12-15. Here the three constraints of
``papers_paperauthor`` and ``papers_papercategory`` become triggers that keep the same
guarantee set-based (decision and figures in docs/architecture.md, "Catalogue links"):

- on the link tables, after each INSERT or UPDATE *statement*: every paper (and author) the
  new rows name exists, one query over the statement's rows (a transition table), probing
  the primary keys by index whatever the catalogue's size. It raises ``foreign_key_violation``
  (an ``IntegrityError`` in Django) naming the first missing id.
- on papers and authors, for each deleted row (or changed id), at COMMIT like the foreign key
  it replaces: no link names it any more.

Concurrency without row locks: a writer of links holds a shared advisory lock from its check to
its commit, and a deleter of papers or authors takes it exclusively for its check at commit.
So either the deleter's check runs after the links were committed and sees them, or the
writer's check runs after the deletion was committed and sees it gone (both are statements of a
READ COMMITTED transaction, each with a fresh snapshot; at REPEATABLE READ or above the link
writer locks the parents FOR KEY SHARE as the foreign key did, and a deleter is refused).

The model fields say ``db_constraint=False`` for both databases; SQLite keeps its inline
``REFERENCES`` (the importer turns its checks off for its own connection, every other connection
keeps them), so nothing changes there: ``tests/papers/test_models.py`` stores a broken
link on both databases and expects it refused.
"""

from __future__ import annotations

from django.db import migrations, models

# The advisory lock link writers share and deleters of papers or authors take alone; any
# constant does, as long as nothing else in the database uses it.
LINKS_LOCK = 1_853_142_907

# (table, column, parent table) of each foreign key replaced.
LINKS = (
    ("papers_paperauthor", "paper_id", "papers_paper"),
    ("papers_paperauthor", "author_id", "papers_author"),
    ("papers_papercategory", "paper_id", "papers_paper"),
)

# Each check looks rows up by index, one probe per row of the statement (or per deleted row),
# whatever the planner believes. A function's plan is made once per session, for the sizes its
# first statement had: planned as a join, a first statement of no rows in an empty new database
# gave a nested loop whose inner side read the whole paper table for every row, minutes per
# batch. So the check is a correlated subquery that is not flattened into a join (OFFSET 0),
# run per row as an index probe (the planner may not pick a seq scan for it).
_INDEX_PROBES = "SET enable_seqscan = off"

_LINK_CHECK = """
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql {index_probes} AS $$
DECLARE
  missing bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared({lock});
  {checks}
  RETURN NULL;
END $$;
CREATE TRIGGER {function}_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_update AFTER UPDATE ON {table}
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
"""

_PARENT_CHECK = """
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    PERFORM 1 FROM {parent} WHERE id IN (SELECT {column} FROM new_rows) FOR KEY SHARE;
  END IF;
  SELECT n.{column} INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = n.{column} OFFSET 0) LIMIT 1;
  IF FOUND THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'insert or update on table "{table}" violates its link to "{parent}": '
      '{column}=%s is not present', missing);
  END IF;
"""

_UNLINKED = """
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql {index_probes} AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NULL;
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE object_not_in_prerequisite_state USING MESSAGE =
      'deleting from "{parent}" needs a READ COMMITTED transaction (its links are checked '
      'at commit with a fresh snapshot)';
  END IF;
  PERFORM pg_advisory_xact_lock({lock});
  {checks}
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER {function} AFTER DELETE OR UPDATE OF id ON {parent}
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}();
"""

_CHILD_CHECK = """
  IF EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id) THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'update or delete on table "{parent}" violates the link from "{table}": '
      'id=%s is still named there', OLD.id);
  END IF;
"""


def _function(table: str) -> str:
    return f"{table}_links_check"


def _parent_function(parent: str) -> str:
    return f"{parent}_unlinked_check"


def _grouped(position: int) -> dict[str, list[tuple[str, str, str]]]:
    """The links by their table (``position`` 0) or by their parent table (2)."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for link in LINKS:
        groups.setdefault(link[position], []).append(link)
    return groups


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # Through a cursor without parameters: the functions' bodies hold literal "%s" (format()).
    with schema_editor.connection.cursor() as cursor:
        for table, column, _ in LINKS:
            cursor.execute(
                "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
                "ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
                "WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s",
                [table, column],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(
                    f"ALTER TABLE {table} DROP CONSTRAINT {schema_editor.quote_name(name)}"
                )
        _create_checks(cursor)


def _create_checks(cursor) -> None:
    for template, check, name, groups in (
        (_LINK_CHECK, _PARENT_CHECK, _function, _grouped(0)),
        (_UNLINKED, _CHILD_CHECK, _parent_function, _grouped(2)),
    ):
        for key, links in groups.items():
            checks = "".join(check.format(table=t, column=c, parent=p) for t, c, p in links)
            cursor.execute(
                template.format(
                    function=name(key),
                    table=key,
                    parent=key,
                    lock=LINKS_LOCK,
                    checks=checks,
                    index_probes=_INDEX_PROBES,
                )
            )


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for parent in _grouped(2):
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {_parent_function(parent)} ON {parent}; "
            f"DROP FUNCTION IF EXISTS {_parent_function(parent)}()"
        )
    for table in _grouped(0):
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {_function(table)}_insert ON {table}; "
            f"DROP TRIGGER IF EXISTS {_function(table)}_update ON {table}; "
            f"DROP FUNCTION IF EXISTS {_function(table)}()"
        )
    for model_name, field_name in (
        ("PaperAuthor", "paper"),
        ("PaperAuthor", "author"),
        ("PaperCategory", "paper"),
    ):
        model = apps.get_model("papers", model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


def _unconstrained(to: str, related_name: str, **options) -> models.ForeignKey:
    return models.ForeignKey(
        db_constraint=False,
        on_delete=models.deletion.CASCADE,
        related_name=related_name,
        to=to,
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0019_drop_pattern_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="paperauthor",
                    name="paper",
                    field=_unconstrained("papers.paper", "authorships", db_index=False),
                ),
                migrations.AlterField(
                    model_name="paperauthor",
                    name="author",
                    field=_unconstrained("papers.author", "authorships"),
                ),
                migrations.AlterField(
                    model_name="papercategory",
                    name="paper",
                    field=_unconstrained("papers.paper", "category_links", db_index=False),
                ),
            ],
        )
    ]
