-- expect: LNT010, LNT017
ALTER TABLE products RENAME TO catalog_items;
