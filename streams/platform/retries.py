"""The outcome of an operator's retry, once a flow has re-run the object (docs/operations.md, "Retry: what
o2c re-reads").

A flow re-reads the object from its source and runs it through its normal path, which either succeeds
(and may auto-resolve the exception itself), or fails again and ``record()``s the exception again (one more
occurrence, a new message). :func:`settle` turns that into the retry's outcome: resolved with the flow's
note, or ``open`` again with the new reason as ``last_retry_note``. A retry whose source could not be read
at all is answered with :func:`source_gone`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from connectors.http import RetryableError, one_line
from state import exceptions as store
from state.db import Executor

log = logging.getLogger(__name__)


async def each_retrying(conn: Executor, kinds: Iterable[str],
                        handle: Callable[[store.StoredException], Awaitable[None]], *, what: str) -> None:
    """Run ``handle`` on every exception of ``kinds`` an operator asked to retry. A system that cannot be
    reached (``RetryableError``, ``OSError``) leaves that exception ``retrying`` for the next pass; the others
    still run."""
    for exc in await store.retrying(conn, list(kinds)):
        try:
            await handle(exc)
        except (RetryableError, OSError) as error:
            log.warning(f"{what} retry could not run; tried again next pass",
                        extra={"exception_id": exc.id, "bc_id": exc.bc_id, "ns_id": exc.ns_id,
                               "error": one_line(error)})


def failed_note(message: str) -> str:
    """The plain-English note of a retry that failed again (pure)."""
    return f"The retry ran again and failed: {message}"


async def settle(conn: Executor, before: store.StoredException, note: str) -> str:
    """Set the outcome of the retry of ``before`` (as it was when the retry started); returns the status.

    Already settled by the flow (auto-resolved, resolved) → left as is; recorded again during the re-run
    (more occurrences) → ``open`` with the new message as the note; otherwise resolved with ``note``.
    """
    now = await store.get(conn, before.id)
    if now is None or now.status != "retrying":
        return now.status if now else "gone"
    if now.occurrences > before.occurrences:
        await store.retry_outcome(conn, before.id, resolved=False, note=failed_note(now.message))
        return "open"
    await store.retry_outcome(conn, before.id, resolved=True, note=note)
    return "resolved"


async def failed(conn: Executor, exception_id: int, note: str) -> None:
    """The re-run failed without recording the exception again: ``open`` with ``note``."""
    await store.retry_outcome(conn, exception_id, resolved=False, note=note)


async def source_gone(conn: Executor, exception_id: int, what: str) -> None:
    """The object could not be read from its source (deleted, or no longer there): ``open`` with a note."""
    await store.retry_outcome(conn, exception_id, resolved=False,
                              note=f"The retry could not read {what}: it no longer exists there (deleted?). Check "
                                   "it, then resolve this exception or retry again.")
