-- expect-next-line: LNT040
-- auditor-ignore LNT001
-- expect: LNT001, LNT017
CREATE INDEX orders_status_idx ON orders (status);
-- auditor-ignore LNT001: orders_archive holds < 100 rows
CREATE INDEX orders_archive_idx ON orders_archive (id);
-- expect-next-line: LNT041
-- auditor-ignore LNT011: stale, nothing dropped here
CREATE TABLE order_notes (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body TEXT);
