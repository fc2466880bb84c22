DROP FUNCTION anonymize_customer(BIGINT);
DROP FUNCTION purge_customer(BIGINT);
