DROP INDEX carts_user_id_idx;
DROP TABLE carts;
