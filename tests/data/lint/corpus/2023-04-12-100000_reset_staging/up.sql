-- expect: LNT015, LNT017
TRUNCATE import_staging CASCADE;
TRUNCATE import_errors;
