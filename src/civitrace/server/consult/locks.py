"""Taking a row's write lock first, the same way on SQLite and PostgreSQL.

A read-then-write (seat a latecomer where there is room, move a question on from the status it
had) must not interleave with another one. ``SELECT … FOR UPDATE`` does that on PostgreSQL but
is ignored by SQLite, whose driver also runs the reading ``SELECT`` outside the transaction. A
no-op ``UPDATE`` as the transaction's first write works on both: PostgreSQL locks the row, SQLite
takes its database write lock, and every read after it sees the latest committed state.
"""

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session


def lock_row(db: Session, column: InstrumentedAttribute[Any], *where: Any) -> bool:
    """Lock the rows matching ``where`` by setting ``column`` to itself; ``False`` if none."""
    entity = column.class_
    result = db.execute(
        update(entity)
        .where(*where)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
