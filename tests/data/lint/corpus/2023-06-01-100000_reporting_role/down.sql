REVOKE ALL ON customers, products FROM reporting;
REVOKE SELECT ON orders FROM PUBLIC;
DROP ROLE reporting;
