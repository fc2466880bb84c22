"""Canonical text of a SQL expression, shared by the live and the static model builders.

PostgreSQL stores a CHECK, an index expression, a partial-index predicate or a default
as a parse tree and prints it back (``pg_get_constraintdef``, ``pg_get_expr``,
``pg_get_indexdef``) in its own spelling: redundant parentheses, casts it added
(``(x)::text`` for a ``varchar`` argument, ``(0)::numeric``, ``'a'::text``),
``BETWEEN`` expanded into two comparisons, ``IN (...)`` as ``= ANY (ARRAY[...])``.
A migration spells the same expression the way its author wrote it.
:func:`normalize_expr` maps both spellings to the same string, so the two models
compare equal and the schema rules can match expressions by text.

The canonical form: sqlglot's PostgreSQL rendering of the tree after
- parentheses are dropped and re-added only where precedence needs them;
- ``a BETWEEN x AND y`` becomes ``a >= x AND a <= y`` (as PostgreSQL stores it);
- ``AND``/``OR`` chains are flattened (``a AND (b AND c)`` is ``a AND b AND c``);
- casts of literals are dropped (``(0)::numeric`` is ``0``, ``'-1'::integer`` is ``-1``),
  and so are casts to text types (``(email)::text`` is ``email``);
- ``x = ANY (ARRAY[a, b])`` becomes ``x IN (a, b)``, ``x <> ALL (ARRAY[a, b])``
  becomes ``NOT x IN (a, b)``; ``INTERVAL '1 day'`` becomes ``'1 day'``;
- unquoted identifiers are lower-case, needlessly quoted ones unquoted, table
  qualifiers dropped (a CHECK or index expression can only name its own table);
- function names are lower-case (``char_length`` and ``character_length`` are
  rendered as ``length``, which they equal for text).

Known limits: PostgreSQL rewrites some constants to their canonical value
(``'2030-01-01'`` for a timestamptz column is stored as ``'2030-01-01 00:00:00+00'``)
and ``SIMILAR TO`` as a regular expression; those spellings stay different.
"""

from __future__ import annotations

import functools
import re
import threading

from sqlglot import exp
from sqlglot.errors import SqlglotError

from auditor.catalog.constants import canonical_interval, canonical_literal
from auditor.catalog.pgsql import KEYWORDS, PG

_TEXT_TYPES = (
    exp.DataType.Type.TEXT,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.CHAR,
    exp.DataType.Type.NCHAR,
    exp.DataType.Type.NVARCHAR,
    exp.DataType.Type.NAME,
    exp.DataType.Type.BPCHAR,
)
_NUMERIC_TYPES = exp.DataType.NUMERIC_TYPES
_CONSTANT_TYPES = {
    exp.DataType.Type.BOOLEAN: "boolean",
    exp.DataType.Type.INTERVAL: "interval",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.TIMESTAMP: "timestamp without time zone",
    exp.DataType.Type.TIMESTAMPTZ: "timestamp with time zone",
}
"""Types whose string constants PostgreSQL stores in a canonical spelling."""
_SIMPLE_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_$]*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")

# Binding strength, loosest first; a child that binds looser than (or as loose as, for a
# different operator) its parent is parenthesized.
_PRECEDENCE: tuple[tuple[type[exp.Expr], ...], ...] = (
    (exp.Or,),
    (exp.And,),
    (exp.Not,),
    (exp.Is,),
    (
        exp.EQ,
        exp.NEQ,
        exp.GT,
        exp.GTE,
        exp.LT,
        exp.LTE,
        exp.Like,
        exp.ILike,
        exp.RegexpLike,
        exp.RegexpILike,
        exp.In,
        exp.NullSafeEQ,
        exp.NullSafeNEQ,
        exp.Between,
        exp.SimilarTo,
    ),
    (exp.DPipe,),
    (exp.Add, exp.Sub),
    (exp.Mul, exp.Div, exp.Mod, exp.IntDiv),
    (exp.Pow,),
    (exp.Neg, exp.BitwiseNot),
)


_LEFT_CHAINS = (exp.And, exp.Or, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.DPipe)
"""Operators whose left-nested chains need no parentheses: ``a - b - c``."""


_LEVELS: dict[type, int | None] = {}
""":func:`_precedence` by node type (the isinstance scan is the same for every node of a type)."""


def _precedence(node: exp.Expr) -> int | None:
    kind = type(node)
    try:
        return _LEVELS[kind]
    except KeyError:
        pass
    level: int | None = None
    for n, kinds in enumerate(_PRECEDENCE):
        if isinstance(node, kinds):
            level = n
            break
    else:
        if isinstance(node, exp.Binary) and not isinstance(node, exp.Dot):
            level = 5  # any other operator: between comparison and arithmetic, like PostgreSQL
    _LEVELS[kind] = level
    return level


_PG = PG


class _Sql(threading.local):
    """A tokenizer, parser and generator reused for every expression of a thread
    (``sqlglot.parse_one`` and ``Expression.sql`` build new ones on each call)."""

    def __init__(self) -> None:
        self.tokenizer = _PG.tokenizer()
        self.parser = _PG.parser()
        self.generator = _PG.generator(normalize_functions="lower", comments=False)


_SQL = _Sql()
_PLAIN_NUMBER = re.compile(r"[0-9]{1,15}")
_SEQUENCE_DEFAULT = re.compile(r"nextval\('([A-Za-z0-9_.\"]+)'::regclass\)")
_COMPARISON = (
    r'([A-Za-z_][A-Za-z0-9_]*|"[a-z_][a-z0-9_]*")\s*(?:(>=|<=|<>|!=|=|<|>)\s*'
    r"(-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?)|IS\s+(NOT\s+)?NULL)"
)
_SIMPLE_COMPARISON = re.compile(rf"\(\s*{_COMPARISON}\s*\)|{_COMPARISON}", re.IGNORECASE)
"""``column op number`` and ``column IS [NOT] NULL``, alone or in one pair of
parentheses: the most common CHECK constraints, canonical without a parse."""


@functools.lru_cache(maxsize=16384)
def normalize_expr(sql: str) -> str:
    """The canonical text of the SQL expression ``sql`` (see the module docstring).

    Text that sqlglot cannot parse is returned with its whitespace collapsed, so it
    still compares equal to itself.
    """
    text = sql.strip()
    if not text:
        return ""
    # Fast paths, same result as the parse below (tests/catalog/test_normalize.py):
    # a plain integer, and the default of a serial column.
    if _PLAIN_NUMBER.fullmatch(text):
        return _canonical_number(text)
    m = _SEQUENCE_DEFAULT.fullmatch(text)
    if m:
        return f"nextval('{m.group(1)}')"
    m = _SIMPLE_COMPARISON.fullmatch(text)
    if m:
        simple = _simple_comparison(m)
        if simple is not None:
            return simple
    return _normalize_parsed(text)


def _simple_comparison(m: re.Match[str]) -> str | None:
    """The canonical text of what :data:`_SIMPLE_COMPARISON` matched (None for a name
    sqlglot reads as a keyword, which may mean something else)."""
    column, op, number, negated = m.groups()[:4] if m.group(1) else m.groups()[4:]
    if column.startswith('"'):
        column = column[1:-1]
        if column != column.lower():
            return None  # stays quoted
    column = column.lower()
    if column in KEYWORDS:
        return None
    if op is None:
        return f"{column} IS {'NOT ' if negated else ''}NULL"
    return f"{column} {'<>' if op == '!=' else op} {_canonical_number(number)}"


def _normalize_parsed(text: str) -> str:
    """:func:`normalize_expr` without its fast paths: parse, canonicalize, render."""
    sql_ = _SQL
    try:
        trees = sql_.parser.parse(sql_.tokenizer.tokenize(text), text)
    except (SqlglotError, ValueError):
        return " ".join(text.split())
    if not trees or trees[0] is None:
        return " ".join(text.split())
    # as sqlglot.parse_one: several statements are one Block
    tree = trees[0] if len(trees) == 1 else exp.Block(expressions=trees)
    tree = _canonical(tree, copy=False)
    return sql_.generator.generate(tree, copy=False)


def normalize_identifier(name: str) -> str:
    """A name as PostgreSQL folds it: unquoted lower-cased, ``"Quoted"`` kept as written."""
    name = name.strip()
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def _canonical(tree: exp.Expr, copy: bool = True) -> exp.Expr:
    tree = _bottom_up(tree.copy() if copy else tree)
    tree = tree.transform(_flatten, copy=False)
    return _parenthesize(tree)


def _bottom_up(node: exp.Expr) -> exp.Expr:
    """Rewrite the children first, then the node itself."""
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression):
            node.set(key, _bottom_up(value))
        elif isinstance(value, list):
            node.set(key, [_bottom_up(v) if isinstance(v, exp.Expression) else v for v in value])
    return _rewrite(node)


def _rewrite(node: exp.Expr) -> exp.Expr:
    """Rewrite one node whose children are already canonical."""
    if isinstance(node, exp.Paren):
        return _node(node.this)
    if (
        isinstance(node, exp.Dot)
        and isinstance(node.this, exp.Identifier)
        and node.this.name.lower() in ("pg_catalog", "public")
        and isinstance(node.expression, exp.Func)
    ):  # PostgreSQL prints pg_catalog's functions unqualified (and sqlglot then knows them),
        # and those of public, which is on the search path the catalog is read with
        return _unqualified(node.expression)
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
        unit = node.args.get("unit")
        if isinstance(unit, exp.Var | exp.Literal):  # date_trunc('Day', ...) is 'day'
            node.set("unit", exp.Literal.string(unit.name.lower()))
        return node
    if isinstance(node, exp.Cast):
        return _strip_cast(node)
    if isinstance(node, exp.Case) and node.args.get("default") is None:
        node.set("default", exp.Null())  # PostgreSQL stores CASE without ELSE as ELSE NULL
        return node
    if isinstance(node, exp.Between):
        low = exp.GTE(this=node.this.copy(), expression=node.args["low"])
        high = exp.LTE(this=node.this.copy(), expression=node.args["high"])
        return exp.And(this=low, expression=high)
    if isinstance(node, exp.Neg) and _is_number(node.this):
        return exp.Literal.number(_canonical_number(f"-{node.this.this}"))
    if _is_number(node) and _canonical_number(node.this) != node.this:
        return exp.Literal.number(_canonical_number(node.this))
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        values = _array_items(node.expression.this)
        if values is not None:
            return exp.In(this=node.this, expressions=values)
    if (
        isinstance(node, exp.NEQ)
        and isinstance(node.expression, exp.Anonymous)
        and str(node.expression.this).upper() == "ALL"
        and len(node.expression.expressions) == 1
    ):  # x <> ALL (ARRAY[...]) is how PostgreSQL stores x NOT IN (...)
        values = _array_items(node.expression.expressions[0])
        if values is not None:
            return exp.Not(this=exp.In(this=node.this, expressions=values))
    if isinstance(node, exp.Interval) and isinstance(node.this, exp.Literal):
        unit = node.args.get("unit")
        text = f"{node.this.this} {unit.name.lower()}" if unit is not None else node.this.this
        # INTERVAL '12 months' is stored as '1 year'::interval
        return exp.Literal.string(canonical_interval(text) or text)
    if isinstance(node, exp.In) and len(node.expressions) == 1 and not node.args.get("query"):
        return exp.EQ(this=node.this, expression=node.expressions[0])  # x IN (a) is x = a
    if isinstance(node, exp.Identifier):
        name = node.this
        if not node.quoted:
            return exp.Identifier(this=name.lower(), quoted=False)
        if _SIMPLE_IDENTIFIER.match(name):
            return exp.Identifier(this=name, quoted=False)
        return node
    if isinstance(node, exp.Column) and node.args.get("table") is not None:
        return exp.Column(this=node.args["this"])
    return node


def _unqualified(function: exp.Func) -> exp.Expr:
    """A function call read again without its schema, canonical."""
    sql_ = _SQL
    text = sql_.generator.generate(function, copy=True)
    trees = sql_.parser.parse(sql_.tokenizer.tokenize(text), text)
    if len(trees) != 1 or trees[0] is None:
        return function
    return _bottom_up(trees[0])


def _node(value: object) -> exp.Expr:
    """``value`` as a tree node (sqlglot's ``this`` is untyped)."""
    if not isinstance(value, exp.Expr):
        raise TypeError(f"expected a SQL expression, got {type(value).__name__}")
    return value


def _unwrap(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


_DECIMAL = re.compile(r"(-?)([0-9]+)(\.[0-9]+)?")


def _canonical_number(text: str) -> str:
    """A number as PostgreSQL prints the constant: no leading zeros (``010`` is ``10``,
    ``00.10`` is ``0.10``) and no sign on zero (``-0`` is ``0``); the scale is kept."""
    m = _DECIMAL.fullmatch(text)
    if m is None:
        return text  # exponents and the like: as written
    sign, whole, fraction = m.group(1), m.group(2).lstrip("0") or "0", m.group(3) or ""
    if whole == "0" and not fraction.strip(".0"):
        sign = ""
    return f"{sign}{whole}{fraction}"


def _is_number(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and not node.is_string


def _strip_cast(node: exp.Cast) -> exp.Expr:
    inner = _node(node.this)
    target = node.to
    if isinstance(inner, exp.Literal):
        if inner.is_string and target.is_type(*_NUMERIC_TYPES) and _NUMBER.match(inner.this):
            return exp.Literal.number(inner.this)
        if inner.is_string and target.is_type(*_CONSTANT_TYPES):
            # 'f'::boolean is false, '12 months'::interval is '1 year' (constants.py)
            stored = canonical_literal(inner.this, _CONSTANT_TYPES[target.this])
            if stored in ("TRUE", "FALSE"):
                return exp.Boolean(this=stored == "TRUE")
            if stored is not None:
                return exp.Literal.string(stored[1:-1])
        return inner
    if isinstance(inner, exp.Null) or _array_items(inner) is not None:
        return inner
    if _is_text_type(target):
        return inner
    # Added for the static model (issue 4): a negative literal (``('-1'::integer)::numeric``)
    # and a column cast to a numeric type (PostgreSQL adds ``(col)::numeric`` when it
    # compares columns of different numeric types) are as written without the cast.
    if target.is_type(*_NUMERIC_TYPES) and (
        isinstance(inner, exp.Column) or (isinstance(inner, exp.Neg) and _is_number(inner.this))
    ):
        return inner
    return node


def _is_text_type(target: exp.DataType) -> bool:
    if target.is_type(*_TEXT_TYPES):
        return True
    if target.is_type(exp.DataType.Type.ARRAY) and target.expressions:
        element = target.expressions[0]
        return isinstance(element, exp.DataType) and element.is_type(*_TEXT_TYPES)
    return False


def _array_items(node: exp.Expr) -> list[exp.Expr] | None:
    """The items of ``ARRAY[...]`` when they are all literals (possibly cast), else None."""
    node = _unwrap(node)
    if isinstance(node, exp.Cast):
        node = _unwrap(node.this)
    if not isinstance(node, exp.Array):
        return None
    items: list[exp.Expr] = []
    for item in node.expressions:
        item = _unwrap(item)
        while isinstance(item, exp.Cast):
            item = _unwrap(item.this)
        if not isinstance(item, exp.Literal | exp.Null):
            return None
        items.append(item)
    return items


def _flatten(node: exp.Expr) -> exp.Expr:
    """Rebuild ``AND``/``OR`` chains left-deep, whatever their original grouping."""
    if isinstance(node, exp.And | exp.Or) and not isinstance(node.parent, type(node)):
        parts = list(node.flatten())
        result = parts[0]
        for part in parts[1:]:
            result = type(node)(this=result, expression=part)
        return result
    return node


def _parenthesize(tree: exp.Expr) -> exp.Expr:
    for node in list(tree.walk()):
        parent_level = _precedence(node)
        if parent_level is None:
            continue
        for key in ("this", "expression"):
            child = node.args.get(key)
            if not isinstance(child, exp.Expression):
                continue
            level = _precedence(child)
            if level is None:
                continue
            same_chain = (
                type(child) is type(node) and key == "this" and isinstance(node, _LEFT_CHAINS)
            )
            if level < parent_level or (level == parent_level and not same_chain):
                paren = exp.Paren()
                child.replace(paren)
                paren.set("this", child)
    return tree
