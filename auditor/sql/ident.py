"""What PostgreSQL's lexer reads as a name, as regular-expression source text.

PostgreSQL's unquoted names start with a letter, ``_`` or any character past ASCII and
go on with those, digits and ``$``; "letter" means ASCII letters only, and every
character past ASCII counts (a Kelvin sign, a dotted capital I, a no-break space are
name characters). That is not Python's ``\\w``, so the patterns spell the rule out.
"""

from __future__ import annotations

IDENT = (
    r'(?:"(?:[^"]|"")+"'
    r"|[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f][^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)"
)
"""A quoted name, or an unquoted one by PostgreSQL's rule. Spelled as the complement of
the ASCII characters that cannot appear: an explicit range up to U+FFFF costs 30 ms to
compile per case-insensitive pattern, which every run of the tool would pay."""

QNAME = rf"{IDENT}(?:\s*\.\s*{IDENT})?"
"""A name, or ``schema.name``."""

DOTTED_NAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"
"""A name with any number of qualifiers (``db.schema.name``)."""

ASCII_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
"""An unquoted name of ASCII letters, digits and ``_`` only: the subset the fast DDL
path reads (compile with ``re.ASCII``; anything else goes to sqlglot, which reads every
name, so the subset never changes a model)."""

ASCII_IDENT = rf'(?:"(?:[^"]|"")+"|{ASCII_WORD})'
"""A quoted name, or an :data:`ASCII_WORD`."""
