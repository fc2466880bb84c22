-- expect: LNT024
BEGIN;
-- expect: LNT017
ALTER TABLE orders ADD COLUMN channel TEXT;
COMMIT;
