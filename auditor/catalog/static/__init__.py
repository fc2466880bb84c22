"""The schema model from migration files alone: replay sqlglot ASTs, no database.

Each migration's up script is split into statements (:func:`split_statements`, which
keeps line numbers), each statement is parsed with sqlglot's PostgreSQL dialect and
replayed on a mutable catalog that follows PostgreSQL's own rules: unquoted names fold
to lower case, unnamed constraints and indexes get the names PostgreSQL would choose
(``users_email_key``, ``carts_user_id_fkey``, 63-byte truncation, ``key1`` suffixes on
collision), ``serial`` becomes an integer with a sequence default, types print as
``format_type`` prints them. The frozen result is an ordinary
:class:`~auditor.catalog.model.CatalogModel`, equal to the live one for the same files.

No silent gaps: a statement that cannot be modeled (a ``DO`` block, a function whose
body runs DDL, anything sqlglot only parses as a ``Command``, a statement it cannot
parse at all) becomes an :class:`Unmodeled` entry with file, line and first words,
and the run goes on. :meth:`StaticModel.uncertain` tells a rule whether a table may
differ from the model because of such a statement: a requirement on that table is then
*uncertain*, never passed.

The package is split by statement kind, each a layer of :class:`StaticBuilder`:

- :mod:`.model`: the frozen result (:class:`StaticModel`, :class:`Unmodeled`);
- :mod:`.records`: the mutable records replayed on; :mod:`.parsing`: text helpers;
- :mod:`.catalog`: state and name resolution; :mod:`.types`: types, enums, domains,
  collations; :mod:`.constraints`; :mod:`.indexes`; :mod:`.tables`: CREATE TABLE and
  columns; :mod:`.rename_drop`; :mod:`.alter`: ALTER TABLE; :mod:`.other`: statements
  read from their text, triggers and functions;
- :mod:`.freeze`: mutable catalog to frozen model; :mod:`.builder`: the replay driver.
"""

from auditor.catalog.static.builder import StaticBuilder, build_static_model
from auditor.catalog.static.model import StaticModel, Unmodeled

__all__ = ["StaticBuilder", "StaticModel", "Unmodeled", "build_static_model"]
