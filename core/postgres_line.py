"""A few autocommitted PostgreSQL connections used straight from the event loop, for the relay's one statement.

The rest of the app talks to the database through SQLAlchemy on request threads; a chat line's store is a single
statement, so it skips the thread hop and SQLAlchemy's layers (psycopg's own async connections)."""

import asyncio

import psycopg
from psycopg.rows import namedtuple_row


class PostgresLine:
    """Up to `size` connections, opened when first needed; a broken one is closed and replaced on the next use."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size, self.opened = url, size, 0
        self.idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()

    async def fetch_one(self, sql: str, params: dict):
        """Run one statement (committed on its own); its first row as a named tuple, or None."""
        connection = await self._take()
        try:
            cursor = await connection.execute(sql, params)
            return await cursor.fetchone()
        finally:
            if connection.closed or connection.broken:
                self.opened -= 1
            else:
                self.idle.put_nowait(connection)

    async def _take(self) -> psycopg.AsyncConnection:
        """An idle connection, a new one while under `size`, else the next one given back."""
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            try:
                return await psycopg.AsyncConnection.connect(self.url, autocommit=True, row_factory=namedtuple_row)
            except BaseException:
                self.opened -= 1
                raise
        return await self.idle.get()

    async def close(self) -> None:
        """Close the idle connections."""
        while not self.idle.empty():
            await self.idle.get_nowait().close()
