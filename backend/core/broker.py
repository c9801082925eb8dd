"""The database as Celery's broker when there is no Redis (development, tests, a small
installation): kombu's SQLAlchemy transport, made to wait for PostgreSQL.

kombu's own transport "connects" without touching the database (the engine connects
lazily), so while PostgreSQL is down the worker connected, failed on its first poll,
and reconnected at once, five times a second, logging a traceback each time (about
600 KiB of log a minute), with no back-off. Here a channel is only handed out once
the database answers `SELECT 1`; until then opening the connection fails, and Celery
retries it with its growing interval (2 s, 4 s, ... up to 30 s, one log line each)
and carries on by itself once the database is back. Pooled connections are checked
before use (`pool_pre_ping`), so the first poll after a restart does not fail either.

Selected in settings.py (CELERY_BROKER_TRANSPORT) for a `postgresql://` broker URL.
"""

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from kombu.transport.sqlalchemy.models import metadata
from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy import text

# pg_advisory_xact_lock's key while kombu's tables are made: any number that nothing
# else in the database locks ("kombu" in ASCII).
TABLES_LOCK = 0x6B6F6D6275


class Channel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self):
        # The URL comes without a driver (kombu would read `a+b://` as transport `a`);
        # psycopg2 is the driver Django uses too.
        client = self.connection.client
        if client.hostname.startswith("postgresql://"):
            client.hostname = "postgresql+psycopg2://" + client.hostname.removeprefix("postgresql://")
        return super()._engine_from_config()

    def _open(self):
        """kombu makes its tables on first use by checking, then creating: on a fresh
        database the web server, the worker and beat (started together by `make run`)
        could all find them missing, and all but one fail on CREATE TABLE. Made here one
        process at a time, under a lock in the database; kombu's own check then finds them."""
        if self.connection.client.hostname not in self._engines:
            engine = self._engine_from_config()
            try:
                with engine.begin() as database:
                    database.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TABLES_LOCK})
                    metadata.create_all(database)
            finally:
                engine.dispose()
        return super()._open()

    def _get_or_create(self, queue):
        """kombu checks for a queue's row, then inserts it, under a lock held only within
        its process: two processes sending to a new queue at once (gunicorn's workers on a
        fresh database, the first scans' notices) could both insert it, and the loser's
        request failed on the queue's unique name after its scans were committed. The
        loser now reads the winner's row."""
        try:
            return super()._get_or_create(queue)
        except sqlalchemy_errors.IntegrityError:
            self.session.rollback()
            return self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        try:
            engine, _session_class = self._open()  # creates kombu's tables the first time
            with engine.connect() as database:
                database.execute(text("SELECT 1"))
        except Exception:
            self.close()
            raise


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
    # Errors after which the connection is thrown away and opened again (with back-off).
    connection_errors = (  # type: ignore[assignment]  # kombu's own annotation names one class
        sqlalchemy_errors.OperationalError,
        sqlalchemy_errors.InterfaceError,
        sqlalchemy_errors.DisconnectionError,
    )
