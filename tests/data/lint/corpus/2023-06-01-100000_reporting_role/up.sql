-- expect: LNT030
CREATE ROLE reporting LOGIN PASSWORD 'changeme-2023';
-- expect: LNT031
GRANT SELECT ON orders TO PUBLIC;
-- expect: LNT032
GRANT ALL PRIVILEGES ON customers TO reporting;
GRANT SELECT ON products TO reporting;
