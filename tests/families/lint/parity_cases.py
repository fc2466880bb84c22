"""Pass/fail cases of the rules and rule extensions of issue 21 (squawk, diesel-guard,
strong_migrations and Atlas parity), in the format of ``test_rules.CASES``:
(rule, sql, runs in a transaction, expected number of findings of that rule).

Each failing case is the probe migration of one item of the issue; the passing cases
are its safe variants and the spellings that must not fire.
"""

from __future__ import annotations

TX = True
NO_TX = False

PARITY_CASES: list[tuple[str, str, bool, int]] = [
    # LNT004 extended: inline REFERENCES on a new column, VALIDATE in the same transaction
    ("LNT004", "ALTER TABLE o ADD COLUMN u BIGINT REFERENCES users (id);", TX, 1),
    (
        "LNT004",
        "ALTER TABLE o ADD CONSTRAINT c CHECK (t > 0) NOT VALID; ALTER TABLE o VALIDATE CONSTRAINT c;",
        TX,
        1,
    ),
    (
        "LNT004",
        "ALTER TABLE o ADD CONSTRAINT c CHECK (t > 0) NOT VALID; COMMIT; BEGIN; "
        "ALTER TABLE o VALIDATE CONSTRAINT c; COMMIT;",
        NO_TX,
        0,
    ),
    (
        "LNT004",
        "ALTER TABLE o ADD CONSTRAINT c CHECK (t > 0) NOT VALID; ALTER TABLE o VALIDATE CONSTRAINT c;",
        NO_TX,
        0,
    ),
    ("LNT004", "ALTER TABLE o ADD COLUMN u BIGINT;", TX, 0),
    (
        "LNT004",
        "CREATE TABLE o (id BIGINT); ALTER TABLE o ADD COLUMN u BIGINT REFERENCES u (id);",
        TX,
        0,
    ),
    # LNT007 extended: identity and stored generated columns on an existing table
    ("LNT007", "ALTER TABLE o ADD COLUMN n BIGINT GENERATED ALWAYS AS IDENTITY;", TX, 1),
    ("LNT007", "ALTER TABLE o ADD COLUMN c BIGINT GENERATED ALWAYS AS (t * 100) STORED;", TX, 1),
    ("LNT007", "ALTER TABLE o ADD COLUMN c BIGINT GENERATED ALWAYS AS (t * 100) VIRTUAL;", TX, 0),
    ("LNT007", "CREATE TABLE o (n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);", TX, 0),
    # LNT007 extended: a default calling a function not known to be stable (crates.io, lemmy)
    ("LNT007", "ALTER TABLE e ADD COLUMN token TEXT NOT NULL DEFAULT random_string(26);", TX, 1),
    ("LNT007", "ALTER TABLE e ADD COLUMN at TIMESTAMPTZ NOT NULL DEFAULT now();", TX, 0),
    ("LNT007", "ALTER TABLE e ADD COLUMN n VARCHAR(10) NOT NULL DEFAULT ''::varchar(10);", TX, 0),
    # LNT009 extended: a new column declared UNIQUE or PRIMARY KEY
    ("LNT009", "ALTER TABLE o ADD COLUMN ref TEXT UNIQUE;", TX, 1),
    ("LNT009", "ALTER TABLE o ADD COLUMN id2 BIGSERIAL PRIMARY KEY;", TX, 1),
    ("LNT009", "ALTER TABLE o ADD COLUMN ref TEXT;", TX, 0),
    # LNT043 REINDEX without CONCURRENTLY
    ("LNT043", "REINDEX INDEX orders_user_idx;", TX, 1),
    ("LNT043", "REINDEX (VERBOSE) TABLE orders;", TX, 1),
    ("LNT043", "REINDEX INDEX CONCURRENTLY orders_user_idx;", NO_TX, 0),
    ("LNT043", "REINDEX (VERBOSE) TABLE CONCURRENTLY orders;", NO_TX, 0),
    ("LNT043", "CREATE TABLE t (id BIGINT); REINDEX TABLE t;", TX, 0),
    # LNT044 DETACH PARTITION without CONCURRENTLY
    ("LNT044", "ALTER TABLE m DETACH PARTITION m_2023;", TX, 1),
    ("LNT044", "ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY;", NO_TX, 0),
    ("LNT044", "ALTER TABLE m DETACH PARTITION m_2023 FINALIZE;", NO_TX, 0),
    ("LNT044", "ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES IN (2024);", TX, 0),
    # LNT045 REFRESH MATERIALIZED VIEW without CONCURRENTLY
    ("LNT045", "REFRESH MATERIALIZED VIEW daily;", TX, 1),
    ("LNT045", "REFRESH MATERIALIZED VIEW CONCURRENTLY daily;", TX, 0),
    ("LNT045", "REFRESH MATERIALIZED VIEW daily WITH NO DATA;", TX, 0),
    # LNT046 EXCLUDE on an existing table
    ("LNT046", "ALTER TABLE b ADD CONSTRAINT nov EXCLUDE USING gist (r WITH &&);", TX, 1),
    ("LNT046", "ALTER TABLE b ADD EXCLUDE USING gist (r WITH &&);", TX, 1),
    ("LNT046", "CREATE TABLE b (r TSRANGE, EXCLUDE USING gist (r WITH &&));", TX, 0),
    # LNT047 unique index on an existing table
    ("LNT047", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON users (email);", NO_TX, 1),
    ("LNT047", "CREATE INDEX CONCURRENTLY IF NOT EXISTS u ON users (email);", NO_TX, 0),
    ("LNT047", "CREATE TABLE users (e TEXT); CREATE UNIQUE INDEX u ON users (e);", TX, 0),
    # LNT048 UPDATE/DELETE without WHERE
    ("LNT048", "DELETE FROM sessions;", TX, 1),
    ("LNT048", "UPDATE users SET tier = 'free';", TX, 1),
    ("LNT048", "DELETE FROM sessions WHERE expires_at < now();", TX, 0),
    ("LNT048", "UPDATE users u SET tier = 'x' FROM plans p WHERE p.id = u.plan_id;", TX, 0),
    ("LNT048", "CREATE TABLE s (id BIGINT); DELETE FROM s;", TX, 0),
    ("LNT048", "DO $$ BEGIN DELETE FROM sessions; END $$;", TX, 0),
    # LNT049 backfill in the transaction that altered the table
    ("LNT049", "ALTER TABLE u ADD COLUMN t TEXT; UPDATE u SET t = 'a' WHERE t IS NULL;", TX, 1),
    ("LNT049", "ALTER TABLE u ADD COLUMN t TEXT; UPDATE u SET t = 'a' WHERE t IS NULL;", NO_TX, 0),
    (
        "LNT049",
        "BEGIN; ALTER TABLE u ADD COLUMN t TEXT; COMMIT; UPDATE u SET t = 'a' WHERE t IS NULL;",
        NO_TX,
        0,
    ),
    ("LNT049", "ALTER TABLE u ADD COLUMN t TEXT; UPDATE other SET t = 'a' WHERE true;", TX, 0),
    # LNT050 duplicate column assignments
    ("LNT050", "UPDATE u SET t = 'a', t = 'b' WHERE id = 1;", TX, 1),
    ("LNT050", "UPDATE u SET (a, b) = (1, 2), a = 3 WHERE id = 1;", TX, 1),
    ("LNT050", "INSERT INTO u (a, b, a) VALUES (1, 2, 3);", TX, 1),
    ("LNT050", "UPDATE u SET a[1] = 1, a[2] = 2 WHERE id = 1;", TX, 0),
    (
        "LNT050",
        "UPDATE u SET a = (SELECT a FROM v WHERE v.id = u.id), b = 2 WHERE u.id = 1;",
        TX,
        0,
    ),
    ("LNT050", "INSERT INTO u (a, b) SELECT a, a FROM v;", TX, 0),
    # LNT051 plain TRUNCATE of an existing table
    ("LNT051", "TRUNCATE sessions;", TX, 1),
    ("LNT051", "TRUNCATE TABLE ONLY a, b;", TX, 2),
    ("LNT051", "TRUNCATE sessions CASCADE;", TX, 0),
    ("LNT051", "CREATE TABLE s (id BIGINT); TRUNCATE s;", TX, 0),
    # LNT052 dropping a foreign key
    ("LNT052", "ALTER TABLE o DROP CONSTRAINT o_user_id_fkey;", TX, 1),
    ("LNT052", "ALTER TABLE o DROP CONSTRAINT IF EXISTS fk_o_user;", TX, 1),
    ("LNT052", "ALTER TABLE o DROP CONSTRAINT o_total_check;", TX, 0),
    (
        "LNT052",
        "ALTER TABLE o DROP CONSTRAINT o_u_fkey, ADD CONSTRAINT o_u_fkey "
        "FOREIGN KEY (u) REFERENCES users (id) NOT VALID;",
        TX,
        0,
    ),
    # LNT053 renaming a schema, a type or an enum value
    ("LNT053", "ALTER SCHEMA reporting RENAME TO analytics;", TX, 1),
    ("LNT053", "ALTER TYPE status RENAME VALUE 'a' TO 'b';", TX, 1),
    ("LNT053", "ALTER TYPE status RENAME TO order_status;", TX, 1),
    ("LNT053", "ALTER TYPE status ADD VALUE 'c';", TX, 0),
    ("LNT053", "ALTER SCHEMA reporting OWNER TO admin;", TX, 0),
    # LNT054 varchar(n) (opt-in)
    ("LNT054", "CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(100));", TX, 1),
    ("LNT054", "ALTER TABLE t ADD COLUMN code CHARACTER VARYING(10);", TX, 1),
    ("LNT054", "CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR, t TEXT);", TX, 0),
    # LNT055 json instead of jsonb
    ("LNT055", "CREATE TABLE e (id BIGINT PRIMARY KEY, payload JSON);", TX, 1),
    ("LNT055", "ALTER TABLE e ADD COLUMN payloads JSON[];", TX, 1),
    ("LNT055", "CREATE TABLE e (id BIGINT PRIMARY KEY, payload JSONB, js_name TEXT);", TX, 0),
    # LNT056 integer columns (opt-in; ids are LNT019)
    ("LNT056", "CREATE TABLE p (id BIGINT PRIMARY KEY, score INTEGER, rank SMALLINT);", TX, 2),
    ("LNT056", "CREATE TABLE p (id INTEGER PRIMARY KEY, user_id INT, score BIGINT);", TX, 0),
    # an array of ints (crates.io's trustpub_tokens.crate_ids int[], found by squawk)
    ("LNT056", "CREATE TABLE p (id BIGINT PRIMARY KEY, crate_ids INT[] NOT NULL);", TX, 1),
    # LNT057 enum value without BEFORE/AFTER (opt-in)
    ("LNT057", "ALTER TYPE status ADD VALUE 'refunded';", NO_TX, 1),
    ("LNT057", "ALTER TYPE status ADD VALUE IF NOT EXISTS 'refunded';", NO_TX, 1),
    ("LNT057", "ALTER TYPE status ADD VALUE 'refunded' AFTER 'paid';", NO_TX, 0),
    ("LNT057", "ALTER TYPE status ADD VALUE IF NOT EXISTS 'new' BEFORE 'paid';", NO_TX, 0),
    # LNT058 CREATE DOMAIN with a constraint
    ("LNT058", "CREATE DOMAIN pos AS INT CHECK (VALUE > 0);", TX, 1),
    ("LNT058", "CREATE DOMAIN pos AS INT NOT NULL;", TX, 1),
    ("LNT058", "CREATE DOMAIN pos AS INT;", TX, 0),
    ("LNT058", "CREATE DOMAIN label AS TEXT COLLATE \"C\" DEFAULT 'check';", TX, 0),
    # LNT059 ALTER DOMAIN ADD CONSTRAINT
    ("LNT059", "ALTER DOMAIN pos ADD CONSTRAINT pos_small CHECK (VALUE < 10);", TX, 1),
    ("LNT059", "ALTER DOMAIN pos ADD CHECK (VALUE < 10);", TX, 1),
    ("LNT059", "ALTER DOMAIN pos ADD CONSTRAINT pos_small CHECK (VALUE < 10) NOT VALID;", TX, 0),
    ("LNT059", "ALTER DOMAIN pos VALIDATE CONSTRAINT pos_small;", TX, 0),
    # LNT060 CREATE EXTENSION (opt-in)
    ("LNT060", "CREATE EXTENSION IF NOT EXISTS pg_trgm;", TX, 1),
    ("LNT060", "DROP EXTENSION IF EXISTS pg_trgm;", TX, 0),
    ("LNT060", "ALTER EXTENSION pg_trgm UPDATE;", TX, 0),
    # LNT061 table without a primary key
    ("LNT061", "CREATE TABLE v (user_id BIGINT, at TIMESTAMPTZ);", TX, 1),
    ("LNT061", "CREATE TABLE v (a BIGINT, b BIGINT, PRIMARY KEY (a, b));", TX, 0),
    (
        "LNT061",
        "CREATE TABLE v (a BIGINT); ALTER TABLE v ADD CONSTRAINT v_pk PRIMARY KEY (a);",
        TX,
        0,
    ),
    ("LNT061", "CREATE TEMP TABLE v (a BIGINT);", TX, 0),
    ("LNT061", "CREATE TABLE v2 (LIKE v INCLUDING ALL);", TX, 0),
    ("LNT061", "CREATE TABLE v_2024 PARTITION OF v FOR VALUES IN (2024);", TX, 0),
    ("LNT061", "CREATE TABLE v AS SELECT 1 AS a;", TX, 0),
    # LNT062 unqualified table names (opt-in)
    ("LNT062", "CREATE TABLE invoices (id BIGINT PRIMARY KEY);", TX, 1),
    ("LNT062", "ALTER TABLE invoices ADD COLUMN note TEXT;", TX, 1),
    ("LNT062", "DROP TABLE IF EXISTS invoices;", TX, 1),
    ("LNT062", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON invoices (a);", NO_TX, 0),
    ("LNT062", "CREATE TABLE public.invoices (id BIGINT PRIMARY KEY);", TX, 0),
    ("LNT062", 'ALTER TABLE IF EXISTS "billing"."invoices" ADD COLUMN note TEXT;', TX, 0),
    # LNT063 unnamed constraints added to a table
    ("LNT063", "ALTER TABLE o ADD CHECK (t >= 0) NOT VALID;", TX, 1),
    ("LNT063", "ALTER TABLE o ADD FOREIGN KEY (u) REFERENCES users (id) NOT VALID;", TX, 1),
    ("LNT063", "ALTER TABLE o ADD CONSTRAINT o_t CHECK (t >= 0) NOT VALID;", TX, 0),
    ("LNT063", "ALTER TABLE o ADD COLUMN checked BOOLEAN;", TX, 0),
    # LNT064 indexes with more than three key columns
    ("LNT064", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o (a, b, c, d);", NO_TX, 1),
    (
        "LNT064",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o USING btree (a, b, c, d);",
        NO_TX,
        1,
    ),
    (
        "LNT064",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o (a, b, c) INCLUDE (d, e);",
        NO_TX,
        0,
    ),
    (
        "LNT064",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o (coalesce(a, b), lower(c));",
        NO_TX,
        0,
    ),
]
