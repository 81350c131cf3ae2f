"""Request-scoped dependencies shared by the domains' views."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, closed (and rolled back if uncommitted) at the end.

    An ``async`` dependency on purpose: FastAPI runs a *sync* generator dependency's enter and
    exit in two extra thread-pool hops per request. Making a session does no I/O, so it is made
    on the event loop; closing one that still holds a connection (its request failed before
    committing) rolls back over the network, so only that case goes to the thread pool.
    """
    session: Session = request.app.state.sessions()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]
