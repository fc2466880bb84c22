-- expect: LNT019, LNT020, LNT021
CREATE TABLE audit_events (
    id SERIAL PRIMARY KEY,
    actor TEXT NOT NULL,
    happened_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
-- expect-next-line: LNT041
-- auditor-ignore LNT001: table created above
CREATE INDEX audit_events_actor_idx ON audit_events (actor);
