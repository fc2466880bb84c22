-- expect: LNT011, LNT017
DROP TABLE IF EXISTS legacy_carts;
-- auditor-ignore LNT012: column unused since release 2023.03 (PR 812)
ALTER TABLE customers DROP COLUMN IF EXISTS legacy_token;
