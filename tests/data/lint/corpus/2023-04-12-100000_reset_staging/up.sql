-- expect: LNT015, LNT017
TRUNCATE import_staging CASCADE;
-- expect: LNT051
TRUNCATE import_errors;
