"""A simulated support agent, for the benches and the demo history: signed in through the login form, online at the
desk through its socket (a heartbeat every 10 s, each offer handed to `serve`), working chats through the desk API
with a bearer token. What an agent does with an offer, and with the desk's other frames, is its subclass's."""

import asyncio
import json
import re
import ssl

import httpx
from websockets.asyncio.client import connect

Verify = ssl.SSLContext | bool  # httpx's TLS trust: a context for a self-signed certificate, or True / False
HEARTBEAT_SECONDS = 10
OPEN_SECONDS = 30  # for a socket to open


def socket_address(url: str, path: str) -> str:
    """The WebSocket address of `path` on the app at `url` (ws:// for http://, wss:// for https://)."""
    return url.replace("http", "ws", 1) + path


def socket_options(url: str, verify: Verify) -> dict:
    """`connect` options: TLS trust for wss://, no queue limit."""
    tls = {"ssl": verify} if url.startswith("https") and isinstance(verify, ssl.SSLContext) else {}
    return tls | {"max_queue": None, "open_timeout": OPEN_SECONDS}


def api_client(url: str, token: str, verify: Verify = True) -> httpx.AsyncClient:
    """An API client calling as the owner of `token`."""
    return httpx.AsyncClient(base_url=url, verify=verify, timeout=60, headers={"Authorization": f"Bearer {token}"})


def desk_path(conversation_id: str) -> str:
    """The desk API's path of a chat."""
    return f"/api/desk/conversations/{conversation_id}"


async def session_cookie(url: str, email: str, password: str, verify: Verify = True) -> str:
    """Sign in through the login form; the session cookie header (the desk socket takes no token).

    Raises:
        RuntimeError: the sign-in was refused.
    """
    # Cookies are passed by hand: they are Secure under `make run`, and a jar would not send them to http://127.0.0.1.
    async with httpx.AsyncClient(base_url=url, verify=verify, timeout=60) as browser:
        form = await browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
        jar = "; ".join(f"{name}={value}" for name, value in form.cookies.items())
        fields = {"email": email, "password": password, "csrf_token": csrf}
        answer = await browser.post("/login", data=fields, headers={"Cookie": jar})
        if "swarmdesk_session" not in answer.cookies:
            raise RuntimeError(f"cannot sign in {email}: {answer.status_code}")
        return f"swarmdesk_session={answer.cookies['swarmdesk_session']}"


class DeskAgent:
    """One agent at the desk of the app at `url`: `stay_online` keeps them online and hands each offer to `serve`."""

    def __init__(self, url: str, email: str, password: str, token: str, *, verify: Verify = True) -> None:
        self.url, self.email, self.password, self.verify = url, email, password, verify
        self.http = api_client(url, token, verify)
        self.socket = None

    async def stay_online(self, ready: asyncio.Event) -> None:
        """Sign in, open the desk socket and stay online until cancelled; `ready` is set when the desk is."""
        headers = {"Cookie": await session_cookie(self.url, self.email, self.password, self.verify), "Origin": self.url}
        address, options = socket_address(self.url, "/ws/desk"), socket_options(self.url, self.verify)
        async with connect(address, additional_headers=headers, **options) as socket:
            self.socket = socket
            beat = asyncio.create_task(self._heartbeat())
            try:
                async for raw in socket:
                    frame = json.loads(raw)
                    if frame.get("type") == "ready":
                        ready.set()
                    elif frame.get("type") == "offer":
                        asyncio.create_task(self.serve(frame["conversation_id"]))
                    else:
                        self.on_frame(frame)
            finally:
                beat.cancel()

    async def serve(self, conversation_id: str) -> None:
        """Work one offered chat (accepting it is part of the work)."""
        raise NotImplementedError

    def on_frame(self, frame: dict) -> None:
        """A desk frame other than `ready` and `offer`; passed over unless a subclass wants it."""

    async def _heartbeat(self) -> None:
        """Tell the desk this agent is still here."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self.send({"type": "heartbeat"})

    async def send(self, frame: dict) -> None:
        """One frame over the desk socket."""
        await self.socket.send(json.dumps(frame))

    async def watch(self, conversation_id: str) -> None:
        """Have the chat's messages pushed to this desk."""
        await self.send({"type": "watch", "conversation_id": conversation_id})

    async def unwatch(self, conversation_id: str) -> None:
        """Stop the chat's messages coming to this desk."""
        await self.send({"type": "unwatch", "conversation_id": conversation_id})

    async def leave(self) -> None:
        """Go away at once (not when presence expires), so nobody is left online after a simulation."""
        await self.send({"type": "away"})

    async def accept(self, conversation_id: str) -> httpx.Response:
        """Take the offered chat."""
        return await self.http.post(f"{desk_path(conversation_id)}/accept")

    async def reply(self, conversation_id: str, text: str) -> httpx.Response:
        """Send the customer a message."""
        return await self.http.post(f"{desk_path(conversation_id)}/messages", json={"text": text})

    async def close(self, conversation_id: str) -> httpx.Response:
        """End the chat."""
        return await self.http.post(f"{desk_path(conversation_id)}/close")


async def go_online(agents: list[DeskAgent], *, timeout: float = 60) -> list[asyncio.Task]:
    """Start each agent's desk, one after another, each ready before the next; their tasks (cancel them to stop).

    Raises:
        RuntimeError: a desk socket closed, or was not ready within `timeout` seconds.
    """
    tasks = []
    for agent in agents:
        ready = asyncio.Event()
        tasks.append(asyncio.create_task(agent.stay_online(ready)))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait([tasks[-1], waiting], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if tasks[-1].done():
            raise RuntimeError(f"{agent.email}'s desk socket closed: {tasks[-1].exception()!r}")
        if not ready.is_set():
            raise RuntimeError(f"{agent.email}'s desk was not ready after {timeout:.0f} s")
    return tasks
