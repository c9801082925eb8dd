"""Which database the reports read: the read replica when one is configured and
answering, else the primary (docs/operations.md, "Read replica").

Reports (volume, scan quality, open data, the owners' comparison) are long grouped
reads; on a streaming standby they cost the primary nothing. They may lag the primary
by the replication delay (usually well under a second, measured in docs/performance.md),
so a report is "as of a few seconds ago"; nothing that decides or writes reads here.

    reads(CollectionEvent).filter(...)   # CollectionEvent.objects.using(reporting_db())

Writes never go to the replica: only these reads name it, and its connections are
opened read-only (settings.py), so a write sent there by mistake fails at once.

When the replica cannot be connected to, reports fall back to the primary and a
warning is logged; the replica is tried again after DATABASE_REPLICA_RETRY_SECONDS, so
that a standby that is down costs one connect timeout per process per interval, not
one per report.
"""

import logging
import time
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Model)

#: The alias settings.py configures from DATABASE_REPLICA_URL.
REPLICA = "replica"

# monotonic time until which the replica is not tried again (per process).
_unreachable_until = 0.0


def reporting_db() -> str:
    """The alias reports read through: REPLICA when configured and reachable, else the
    default database."""
    global _unreachable_until
    if REPLICA not in connections.settings:
        return DEFAULT_DB_ALIAS
    if time.monotonic() < _unreachable_until:
        return DEFAULT_DB_ALIAS
    try:
        connections[REPLICA].ensure_connection()
    except OperationalError as error:
        _unreachable_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica unreachable, reports read the primary for %s s: %s",
            settings.DATABASE_REPLICA_RETRY_SECONDS,
            error,
        )
        return DEFAULT_DB_ALIAS
    return REPLICA


def forget_unreachable() -> None:
    """Try the replica again at the next report (after an operator brought it back)."""
    global _unreachable_until
    _unreachable_until = 0.0


def reads(model: type[M]) -> "QuerySet[M]":
    """`model`'s rows as a report reads them: through `reporting_db()`."""
    return model._default_manager.using(reporting_db())
