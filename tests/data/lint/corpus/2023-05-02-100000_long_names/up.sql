-- expect: LNT023, LNT017, LNT001
CREATE INDEX orders_customer_id_placed_at_status_total_public_token_note_idx_v2 ON orders (customer_id, placed_at);
