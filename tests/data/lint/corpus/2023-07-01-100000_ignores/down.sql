DROP TABLE order_notes;
DROP INDEX orders_archive_idx;
DROP INDEX orders_status_idx;
