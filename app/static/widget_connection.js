/* Swarmdesk chat widget: talking to the server — the customer API, the live socket and fetching what was missed. */
"use strict";

/** The connection part (widget.js assembles it): API calls, the socket with its reconnects, messages sent over it. */
window.SwarmdeskWidget.parts.connection = (widget) => {
  const { chat, ui, N_ } = widget;
  const WS_ORIGIN = widget.origin.replace(/^http/, "ws"); // https: → wss:, http: → ws:
  const OFFLINE_TEXT = N_("Can't reach Lumora support — check your connection and try again.");
  const SERVER_TEXT = N_("Lumora support is having trouble right now — please try again in a moment.");
  let socket = null;
  let reconnectDelay = 1000;
  let reconnectTimer = 0;
  let lastTypingSent = 0;
  const waiting = new Map(); // ref → {body, resolve, reject}: messages sent over the socket, not yet answered

  /** The API path of the current conversation plus a suffix. */
  function path(suffix) {
    return "/api/conversations/" + encodeURIComponent(chat.conversation.conversation_id) + suffix;
  }

  /** Call the API: resolves to the JSON body, or rejects with an Error that carries the reason and the status. */
  async function api(method, url, body) {
    const headers = body === undefined ? {} : { "Content-Type": "application/json" };
    if (chat.conversation) headers.Authorization = "Bearer " + chat.conversation.token;
    let response;
    try {
      response = await fetch(widget.origin + url,
        { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw Object.assign(new Error(widget.tr(OFFLINE_TEXT)), { status: 0 });
    }
    const data = await response.json().catch(() => null);
    if (response.ok && (data || response.status === 204)) return data;
    throw Object.assign(new Error(reason(response.status, data)), { status: response.status });
  }

  /** Turn an API error (FastAPI's {"detail": "…"} or {"detail": [{loc, msg}]}) into a sentence. */
  function reason(status, data) {
    if (status === 413) return widget.tr(N_("Message too long (max 4,000 characters)"));
    const detail = data && data.detail;
    const text = !Array.isArray(detail) ? (typeof detail === "string" ? detail : "") : detail
      .filter((item) => item && item.msg)
      .map((item) => (Array.isArray(item.loc) ? item.loc.filter((p) => p !== "body").join(".") + ": " : "") + item.msg)
      .join("; ");
    if (text) return text.charAt(0).toUpperCase() + text.slice(1);
    if (status === 429) return widget.tr(N_("Too many messages — please wait a moment and try again."));
    return status >= 500 ? widget.tr(SERVER_TEXT) : widget.tr(N_("Something went wrong (error {status})."), { status });
  }

  /** Open the socket first, then fetch what was missed; reconnect with backoff (1 s → 10 s). */
  function connect() {
    const current = chat.conversation;
    if (!current || socket) return;
    const ws = new WebSocket(WS_ORIGIN + "/ws/conversations/" + encodeURIComponent(current.conversation_id));
    let frames = 0;
    socket = ws;
    ws.addEventListener("open", () => { // the token goes in the first frame, never in a URL that gets logged
      ws.send(JSON.stringify({ type: "hello", token: current.token }));
      fetchMissed();
    });
    ws.addEventListener("message", (event) => {
      const frame = widget.parse(event.data);
      if (frame && (frame.type === "said" || frame.type === "refused")) return answered(frame);
      if (frame && frame.type === "message" && frame.message) widget.addMessage(frame.message);
      else if (frame && frame.type === "typing" && frame.sender === "agent") widget.showTyping(frame.name);
      else if (frame && frame.type === "position" && chat.state === "queued") {
        ui.state.textContent = widget.tr(N_("Waiting for an agent — you are number {position}"), {
          position: Number(frame.position),
        });
      }
      else if (frame && frame.type === "state") {
        chat.liveStates += 1;
        widget.setState(frame.state);
      }
      if (++frames > 1) return;
      reconnectDelay = 1000; // the first frame proves the server has subscribed: reset backoff, close the gap
      fetchMissed();
    });
    ws.addEventListener("close", () => {
      if (socket === ws) socket = null;
      if (chat.conversation !== current) return;
      for (const entry of waiting.values()) postAgain(entry); // the answer may be lost: the ref stores it once
      waiting.clear();
      if (chat.state === "closed") return;
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(() => chat.conversation === current && connect(), reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      fetchMissed(); // polls while the socket is down; a 401/404 here forgets the conversation
    });
  }

  /** Close the socket for good (no reconnect) and fail every message still waiting for its answer with `error`. */
  function disconnect(error) {
    clearTimeout(reconnectTimer);
    if (socket) socket.close();
    [socket, reconnectDelay] = [null, 1000];
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  }

  /** Send a message: over the socket while a person has the chat (answered there, `said` or `refused`), else by
   * HTTP. Resolves like the API: {messages, state}. */
  function deliver(body) {
    const ws = socket;
    const live = ws && ws.readyState === WebSocket.OPEN && (chat.state === "queued" || chat.state === "agent");
    if (!live || body.payload !== undefined) return api("POST", path("/messages"), body);
    const ref = newRef();
    return new Promise((resolve, reject) => {
      waiting.set(ref, { body: { ...body, ref }, resolve, reject });
      ws.send(JSON.stringify({ type: "say", text: body.text, ref }));
    });
  }

  /** The socket's answer to a message sent over it; "not with a person" (409) sends it by HTTP instead. */
  function answered(frame) {
    const entry = waiting.get(frame.ref);
    if (!entry) return;
    waiting.delete(frame.ref);
    if (frame.type === "said") entry.resolve({ messages: [frame.message], state: chat.state });
    else if (frame.status === 409) postAgain(entry);
    else entry.reject(Object.assign(new Error(reason(frame.status, frame)), { status: frame.status }));
  }

  /** Post a message sent over the socket again, by HTTP, under the same ref. */
  function postAgain(entry) {
    api("POST", path("/messages"), entry.body).then(entry.resolve, entry.reject);
  }

  /** A fresh reference for a message (crypto.randomUUID needs https; getRandomValues does not). */
  function newRef() {
    return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Fetch every message after the last seq shown, and the current state. */
  async function fetchMissed() {
    const current = chat.conversation;
    const seen = chat.liveStates;
    if (!current) return;
    try {
      const data = await api("GET", path("/messages?after=" + widget.lastShownSeq()));
      if (chat.conversation !== current) return;
      (data.messages || []).forEach(widget.addMessage);
      if (seen === chat.liveStates) widget.setState(data.state);
    } catch (error) {
      if (chat.conversation === current) widget.dropIfGone(error);
    }
  }

  /** Tell the agent the customer is typing (at most every 3 s, only while an agent is in the chat). */
  function sendTyping() {
    if (chat.state !== "agent" || !socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastTypingSent < 3000) return;
    lastTypingSent = Date.now();
    socket.send(JSON.stringify({ type: "typing" }));
  }

  return { path, api, connect, disconnect, deliver, fetchMissed, sendTyping };
};
