-- expect: LNT010, LNT017, LNT035
ALTER TABLE products RENAME TO catalog_items;
