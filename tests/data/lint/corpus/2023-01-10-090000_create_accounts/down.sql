DROP INDEX accounts_name_key;
DROP TABLE accounts;
