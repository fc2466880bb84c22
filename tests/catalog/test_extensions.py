"""Objects owned by an extension are left out of the model (servers that have citext)."""

from __future__ import annotations

import psycopg
import pytest

from auditor.catalog.live import build_live_model
from auditor.db.target import connect


def test_extension_objects_are_excluded(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'"
        ).fetchone()
        if not row or not row[0]:
            pytest.skip("citext is not available on this server")
        conn.execute("CREATE EXTENSION citext")
        conn.execute("CREATE DOMAIN short_name AS text CHECK (char_length(VALUE) <= 10)")
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, email citext UNIQUE)")
    with connect(fresh_db) as conn:
        model = build_live_model(conn)
    assert model.extensions == ("citext",)
    assert [d.name for d in model.domains] == ["short_name"]
    assert [t.name for t in model.tables] == ["people"]
    people = model.table("people")
    assert people is not None
    email = people.column("email")
    assert email is not None and email.type == "citext"
