DROP INDEX cart_items_product_id_idx;
DROP TABLE cart_items;
