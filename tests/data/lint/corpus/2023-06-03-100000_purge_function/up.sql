-- expect: LNT033
CREATE FUNCTION purge_customer(cid BIGINT) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    AS $$ DELETE FROM customers WHERE id = cid $$;
CREATE FUNCTION anonymize_customer(cid BIGINT) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ UPDATE public.customers SET email = 'anon' WHERE id = cid $$;
