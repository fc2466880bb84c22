-- auditor-ignore-file LNT037: a validated constraint cannot be un-validated; rollback keeps it valid
SELECT 1;
