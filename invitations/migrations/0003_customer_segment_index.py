"""A covering index for the segment counts (INV-1, bench/bench_segments.py), on PostgreSQL.

The counts read every customer of one store: with the store's rows spread over the whole
customers table, that was a heap read of most of the table (~150 ms at 1,000,000 customers). This
index holds every column the counts read (store, owner, id, birthday, erased), so the database
answers from the index alone (an index-only scan; autovacuum keeps the visibility map current).

It lives in an invitations migration, outside ``Customer.Meta.indexes``, because the customers
migrations were being changed by another engineer at the time; moving it into the model (same
name) is a one-line follow-up. SQLite (tests, demo) does not know INCLUDE and does without it."""

from django.db import migrations

NAME = "customer_store_segment_cover"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON customers_customer (store_id, owner_assistant_id) "
        "INCLUDE (id, birthday, erased_at)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("invitations", "0002_default_segments")]
    operations = [migrations.RunPython(create, drop)]
