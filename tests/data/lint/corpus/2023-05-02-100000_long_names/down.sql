-- expect: LNT023
DROP INDEX IF EXISTS orders_customer_id_placed_at_status_total_public_token_note_idx_v2;
