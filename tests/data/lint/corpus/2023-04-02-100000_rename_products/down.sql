-- expect: LNT010, LNT017
ALTER TABLE catalog_items RENAME TO products;
