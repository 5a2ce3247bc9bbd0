"""A LIMIT or OFFSET written into a statement's SQL as a number, not bound as a parameter (ADR 0067).

psycopg prepares a statement once it has run five times on a connection, and PostgreSQL may then plan it
once for every value of its parameters. That generic plan takes a bound limit or offset to pass a tenth of
the rows. A statement that joins a few rows back to a large table then reads the whole table: the inbox's
page of 21 keys was joined to its dossiers by hashing all of them. Written as a number, the limit is known
to every plan. Only integers are written, so nothing from a request reaches the SQL as text."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, literal_column


def written(number: int) -> ColumnElement[int]:
    """``number`` as SQL text, for ``Select.limit()`` and ``Select.offset()``."""
    return literal_column(str(int(number)), Integer)
