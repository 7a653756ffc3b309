"""One Redis subscription per app worker, shared by all its live sockets (one per socket would run out).

A socket asks the hub for a channel and gets frames on its own asyncio queue; the hub subscribes to a
channel while any socket wants it. If Redis drops the subscription, every socket gets `LOST` and closes,
so its page reconnects and fetches what it missed.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from fastapi import WebSocket
from fastapi.websockets import WebSocketDisconnect
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
LOST = ("", None)  # put on every queue when the subscription is lost


class Hub:
    """Fan-out of Redis pub/sub channels to in-process queues."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self.pubsub = redis.pubsub()
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.lock = asyncio.Lock()
        self.pump: asyncio.Task | None = None

    async def subscribe(self, channel: str, queue: asyncio.Queue) -> None:
        """Deliver the channel's frames to `queue` (subscribing in Redis on first interest)."""
        async with self.lock:
            if channel not in self.queues:
                await self.pubsub.subscribe(channel)
                self.queues[channel] = set()
            self.queues[channel].add(queue)
            if self.pump is None or self.pump.done():
                self.pump = asyncio.create_task(self._pump())

    async def unsubscribe(self, channel: str, queue: asyncio.Queue) -> None:
        """Stop delivering to `queue`; drop the Redis subscription when nobody wants the channel."""
        async with self.lock:
            wanting = self.queues.get(channel)
            if wanting is None:
                return
            wanting.discard(queue)
            if not wanting:
                del self.queues[channel]
                try:
                    await self.pubsub.unsubscribe(channel)
                except RedisError as error:
                    log.warning("could not unsubscribe from %s: %s", channel, error)

    async def _pump(self) -> None:
        """Read the subscription and hand each frame to the queues of its channel."""
        while True:
            try:
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (RedisError, OSError) as error:
                log.warning("live updates lost (Redis): %s", error)
                await self._lost()
                return
            if message is not None:
                for queue in tuple(self.queues.get(message["channel"], ())):
                    queue.put_nowait((message["channel"], message["data"]))

    async def _lost(self) -> None:
        """Tell every socket the subscription is gone and start afresh."""
        async with self.lock:
            for wanting in self.queues.values():
                for queue in wanting:
                    queue.put_nowait(LOST)
            self.queues.clear()
            await self.pubsub.aclose()
            self.pubsub = self.redis.pubsub()

    async def close(self) -> None:
        """Stop the pump and close the subscription."""
        if self.pump is not None:
            self.pump.cancel()
        await self.pubsub.aclose()


async def next_frame(queue: asyncio.Queue, timeout: float = 1.0) -> tuple[str, str | None] | None:
    """The next (channel, data) of a socket's queue, or None after `timeout` seconds of quiet."""
    try:
        return await asyncio.wait_for(queue.get(), timeout)
    except TimeoutError:
        return None


def is_this_site(origin: str | None, host: str | None) -> bool:
    """True if an `Origin` header names a page of the site at `host`."""
    return origin is not None and urlsplit(origin).netloc == host


def same_origin(websocket: WebSocket) -> bool:
    """True if the socket was opened by a page of this site (a cookie alone must not be enough)."""
    return is_this_site(websocket.headers.get("origin"), websocket.headers.get("host"))


async def serve(
    websocket: WebSocket,
    channels: set[str],
    *,
    greet: Callable[[], Awaitable[None]],
    client: Callable[[asyncio.Queue], Awaitable[None]],
    send: Callable[[str, str], Awaitable[bool]],
    tick: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run an accepted socket: subscribe `channels` (the client may add more), greet, then pass each frame to
    `send` (False ends the socket) until the client leaves; Redis trouble closes it with 1011 so the page polls."""
    hub: Hub = websocket.app.state.hub
    queue: asyncio.Queue = asyncio.Queue()
    listener = None
    try:
        for channel in tuple(channels):
            await hub.subscribe(channel, queue)
        await greet()
        listener = asyncio.create_task(client(queue))
        while not listener.done():
            if tick is not None:
                await tick()
            frame = await next_frame(queue)
            if frame == LOST:
                await websocket.close(code=1011, reason="live updates unavailable")
                break
            if frame is not None and not await send(*frame):
                break
    except WebSocketDisconnect:
        pass
    except Exception as error:  # Redis down: the page falls back to polling
        log.warning("live socket %s closed: %s", websocket.url.path, error)
        await websocket.close(code=1011, reason="live updates unavailable")
    finally:
        if listener is not None:
            listener.cancel()
        for channel in tuple(channels):
            await hub.unsubscribe(channel, queue)
