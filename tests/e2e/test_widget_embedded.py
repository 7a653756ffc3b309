"""The widget embedded on another site's page, in a real browser: the shop in WIDGET_ORIGINS chats with the bot
(API and live socket across origins); a site that is not in it is told so, and no chat starts."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import free_port

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@contextmanager
def shop_page(origin: str, live_app: str) -> Iterator[str]:
    """Serve, at `origin`, a page of another site that embeds the widget with its one tag."""
    page = f'<!doctype html><title>Shop</title><h1>Shop</h1><script src="{live_app}/static/widget.js" defer></script>'

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            """The shop's page."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", urlsplit(origin).port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{urlsplit(origin).port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_shop_embeds_the_widget_and_chats_with_the_bot(browser, live_app, shop_origin):
    context = browser.new_context()
    page = context.new_page()
    frames = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: frames.append((socket.url, frame))))
    with shop_page(shop_origin, live_app) as url:
        page.goto(url)
        page.click("#swarmdesk-launcher")
        page.fill("#swarmdesk-input", "my hub says E-204")
        page.click("#swarmdesk-send")
        link = page.locator("#swarmdesk-messages a", has_text="Hub error E-204")
        expect(link).to_have_attribute("href", f"{live_app}/help/hub-e204", timeout=20_000)
        expect(page.locator("#swarmdesk-error")).to_be_hidden()
        live = live_app.replace("http://", "ws://") + "/ws/conversations/"
        greeted = [json.loads(frame) for socket, frame in frames if socket.startswith(live)]
        assert {"type": "state", "state": "bot"} in greeted, frames
        assert all("token" not in socket for socket, _ in frames)
    context.close()


def test_a_site_not_in_the_setting_is_told_and_no_chat_starts(browser, live_app):
    context = browser.new_context()
    page = context.new_page()
    with shop_page(f"http://localhost:{free_port()}", live_app) as url:
        page.goto(url)
        page.click("#swarmdesk-launcher")
        expect(page.locator("#swarmdesk-error")).to_contain_text("not set up for", timeout=10_000)
        page.fill("#swarmdesk-input", "hello")
        page.click("#swarmdesk-send")
        expect(page.locator("#swarmdesk-error")).to_be_visible()
        assert page.locator("#swarmdesk-messages .sd-msg.sd-bot").count() == 0
    context.close()
