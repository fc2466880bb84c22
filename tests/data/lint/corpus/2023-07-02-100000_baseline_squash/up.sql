-- auditor-ignore-file LNT042: squashed baseline, applied only to empty databases
CREATE TABLE s_a (id BIGINT PRIMARY KEY);
CREATE TABLE s_b (id BIGINT PRIMARY KEY, a_id BIGINT);
CREATE TABLE s_c (id BIGINT PRIMARY KEY);
CREATE TABLE s_d (id BIGINT PRIMARY KEY);
CREATE TABLE s_e (id BIGINT PRIMARY KEY);
ALTER TABLE s_b ADD CONSTRAINT s_b_a_fkey FOREIGN KEY (a_id) REFERENCES s_a (id);
CREATE INDEX s_b_a_id_idx ON s_b (a_id);
