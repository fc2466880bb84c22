ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CHECK (balance >= 0);
ALTER TABLE users ADD CHECK (balance < 1000000);
ALTER TABLE users DROP COLUMN rank, DROP COLUMN IF EXISTS nothing;
ALTER TABLE users ADD COLUMN rank integer UNIQUE;
ALTER TABLE users ADD UNIQUE (rank);
ALTER TABLE users ALTER COLUMN nick SET DATA TYPE varchar(32);
ALTER TABLE users ALTER COLUMN balance DROP DEFAULT;
ALTER TABLE users ALTER COLUMN code TYPE varchar(3);
DROP INDEX IF EXISTS app.accounts_lower_idx;
CREATE TABLE "Mixed Case" ("Id" int PRIMARY KEY, "Value" text CHECK ("Value" <> ''));
CREATE TABLE a_table_with_a_really_quite_extremely_long_name_for_truncation_tests (
    a_column_with_a_really_quite_extremely_long_name_too int UNIQUE,
    another_column_with_a_long_name_for_the_second_part int,
    UNIQUE (a_column_with_a_really_quite_extremely_long_name_too, another_column_with_a_long_name_for_the_second_part)
);
CREATE TABLE tmp (id int);
DROP TABLE tmp;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.seen = now(); RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO users (name, "Email") VALUES ('abc', 'a@b');
