/* Swarmdesk chat widget. Embed with one tag: <script src="https://support.example/static/widget.js" defer></script> */
(() => {
  "use strict";
  if (document.getElementById("swarmdesk-root")) return; // embedded twice: keep the first one

  const script = document.currentScript;
  const ORIGIN = new URL(script && script.src ? script.src : "/", window.location.href).origin;
  const WS_ORIGIN = ORIGIN.replace(/^http/, "ws"); // https: → wss:, http: → ws:
  const STORE_KEY = "swarmdesk.conversation";
  const OPEN_KEY = "swarmdesk.open";
  const VISITOR_KEY = "swarmdesk.visitor"; // a random id, so the team sees a returning visitor's earlier chats
  const SURVEYED_KEY = "swarmdesk.surveyed"; // the chat whose survey was shown: once per chat, reloads included
  const LANGUAGE_KEY = "swarmdesk.language"; // the language the customer picked
  const LANGUAGES = { en: "English", nl: "Nederlands", it: "Italiano", fi: "Suomi" };
  const SENDERS = ["customer", "bot", "agent", "system"];
  const N_ = (text) => text; // marks a text for the catalogs (language/extract.py); tr() translates it when shown
  const STATE_TEXT = {
    bot: N_("Virtual assistant"), queued: N_("Waiting for an agent…"), agent: N_("Chatting with an agent"),
    closed: N_("This chat has ended"),
  };
  const OFFLINE_TEXT = N_("Can't reach Lumora support — check your connection and try again.");
  const SERVER_TEXT = N_("Lumora support is having trouble right now — please try again in a moment.");
  const WELCOME_TEXT = N_("Hi! Ask about your Lumora devices, orders or Lumora Plus. A person can take over whenever you need one.");
  const GONE_TEXT = N_("That chat is no longer available, so a new one has started. Please send your message again.");

  let conversation = readStored(); // {conversation_id, token} or null
  let state = "bot";
  let lastSeq = 0;
  let socket = null;
  let reconnectDelay = 1000;
  let reconnectTimer = 0;
  let starting = null; // the promise of a conversation being created
  let pending = 0; // messages in flight
  let endArmed = 0; // timer of the first "End chat" click
  let liveStates = 0; // state frames received: a reply older than the latest frame must not undo it
  let typingTimer = 0; // hides "… is typing" when the agent stops
  let lastTypingSent = 0;
  let language = pickedLanguage();
  let texts = {}; // English text → the same in `language` (GET /api/widget/texts)
  const shown = new Set(); // seqs already rendered
  const waiting = new Map(); // ref → {body, resolve, reject}: messages sent over the socket, not yet answered
  const ui = {};

  /** Read a key from localStorage or sessionStorage; null where the browser blocks storage. */
  function load(area, key) {
    try { return window[area].getItem(key); } catch { return null; }
  }

  /** Write a key (remove it when value is null); blocked storage only costs surviving a reload. */
  function save(area, key, value) {
    try { value === null ? window[area].removeItem(key) : window[area].setItem(key, value); } catch { /* blocked */ }
  }

  /** This browser's visitor id, made on first use (random; the customer can make the browser forget it). */
  function visitorId() {
    const kept = load("localStorage", VISITOR_KEY);
    if (kept && /^[a-f0-9]{32}$/.test(kept)) return kept;
    const made = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    save("localStorage", VISITOR_KEY, made);
    return made;
  }

  /** Forget this browser: the team no longer sees its chats as one visitor's, and a new id is made next time. */
  async function forgetMe() {
    const kept = load("localStorage", VISITOR_KEY);
    if (kept) await api("POST", "/api/widget/forget", { visitor_id: kept }).catch(() => null);
    save("localStorage", VISITOR_KEY, null);
    label(ui.forget, N_("Forgotten: your chats on this browser are no longer linked."));
    ui.forget.disabled = true;
  }

  /** Parse JSON, or null when it is not JSON. */
  function parse(text) {
    try { return JSON.parse(text); } catch { return null; }
  }

  /** The stored conversation if it looks valid, else null. */
  function readStored() {
    const stored = parse(load("localStorage", STORE_KEY));
    return stored && typeof stored.conversation_id === "string" && typeof stored.token === "string" ? stored : null;
  }

  /** The language the customer picked before, else the browser's first one we serve, else English. */
  function pickedLanguage() {
    const kept = load("localStorage", LANGUAGE_KEY);
    if (kept && LANGUAGES[kept]) return kept;
    const wanted = (navigator.languages || [navigator.language || "en"]).map((tag) => String(tag).slice(0, 2));
    return wanted.find((code) => LANGUAGES[code]) || "en";
  }

  /** A text of ours in the customer's language ({name} placeholders filled from `values`). */
  function tr(text, values = {}) {
    return (texts[text] || text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  /** Give an element one of our texts (and translated attributes), kept so a change of language relabels it. */
  function label(node, text, attrs = {}) {
    if (text !== undefined) {
      node.dataset.sdText = text;
      node.textContent = tr(text);
    }
    if (Object.keys(attrs).length) node.dataset.sdAttrs = JSON.stringify(attrs);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, tr(value));
    return node;
  }

  /** Our texts in `language` (English: none to fetch; unreachable: English too). */
  async function loadTexts() {
    texts = {};
    if (language === "en") return;
    const response = await fetch(ORIGIN + "/api/widget/texts?language=" + language).catch(() => null);
    const data = response && response.ok ? await response.json().catch(() => null) : null;
    texts = (data && data.texts) || {};
  }

  /** Show every labelled element in the language now chosen. */
  function relabel() {
    for (const node of document.querySelectorAll("#swarmdesk-root [data-sd-text], #swarmdesk-root [data-sd-attrs]")) {
      label(node, node.dataset.sdText, parse(node.dataset.sdAttrs || "{}") || {});
    }
  }

  /** The customer picked a language: the widget and (from now on) the bot and the team speak it. */
  async function chooseLanguage(code) {
    language = LANGUAGES[code] ? code : "en";
    save("localStorage", LANGUAGE_KEY, language);
    await loadTexts();
    relabel();
    if (conversation) await api("PUT", path("/language"), { language }).catch(() => null);
  }

  /** Create an element with a class, optional text (always as text, never as HTML) and attributes. */
  function el(tag, className, text, attrs = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  /** Build the launcher and the panel, and inject the stylesheet from the script's own origin. */
  function build() {
    const css = el("link", "", undefined, { rel: "stylesheet" });
    css.href = ORIGIN + "/static/widget.css";
    const survey = el("script", "", undefined, { defer: "" }); // widget_survey.js: the card shown when a chat closes
    survey.src = ORIGIN + "/static/widget_survey.js";
    survey.addEventListener("load", offerSurvey); // a chat that closed before the survey's script came
    document.head.append(css, survey);
    const root = el("div", "", undefined, { id: "swarmdesk-root" });
    ui.launcher = label(el("button", "sd-launcher", undefined, { id: "swarmdesk-launcher", type: "button",
      "aria-expanded": "false", "aria-controls": "swarmdesk-panel" }), N_("Chat"), { "aria-label": N_("Open chat") });
    ui.panel = label(el("section", "sd-panel", undefined, { id: "swarmdesk-panel", role: "dialog", hidden: "" }),
      undefined, { "aria-label": N_("Chat with Lumora support") });
    const header = el("header", "sd-header");
    const titles = el("div", "sd-titles");
    ui.state = label(el("p", "sd-state", undefined, { id: "swarmdesk-state" }), STATE_TEXT.bot);
    titles.append(label(el("h2", "sd-title"), N_("Lumora support")), ui.state);
    ui.language = label(el("select", "sd-language", undefined, { id: "swarmdesk-language" }), undefined,
      { "aria-label": N_("Language") });
    for (const [code, name] of Object.entries(LANGUAGES)) ui.language.append(el("option", "", name, { value: code }));
    ui.language.value = language;
    ui.end = label(el("button", "sd-end", undefined, { id: "swarmdesk-end", type: "button" }), N_("End chat"));
    const close = label(el("button", "sd-close", "×", { type: "button" }), undefined, { "aria-label": N_("Close chat") });
    header.append(titles, ui.language, ui.end, close);
    ui.messages = label(el("ol", "sd-messages", undefined, { id: "swarmdesk-messages", "aria-live": "polite", tabindex: "0" }),
      undefined, { "aria-label": N_("Messages") });
    ui.error = el("p", "sd-error", undefined, { id: "swarmdesk-error", role: "alert", hidden: "" });
    const form = el("form", "sd-form");
    ui.input = label(el("input", "sd-input", undefined, { id: "swarmdesk-input", type: "text", maxlength: "4000",
      autocomplete: "off" }), undefined, { placeholder: N_("Type your message…") });
    ui.send = label(el("button", "sd-send", undefined, { id: "swarmdesk-send", type: "submit" }), N_("Send"));
    const inputLabel = label(el("label", "sd-visually-hidden", undefined, { for: "swarmdesk-input" }), N_("Your message"));
    form.append(inputLabel, ui.input, ui.send);
    ui.restart = label(el("button", "sd-restart", undefined, { id: "swarmdesk-restart", type: "button", hidden: "" }),
      N_("Start a new chat"));
    ui.survey = label(el("section", "sd-survey", undefined, { id: "swarmdesk-survey", hidden: "" }), undefined,
      { "aria-label": N_("Survey") });
    ui.typing = el("p", "sd-typing", undefined, { id: "swarmdesk-typing", "aria-live": "polite", hidden: "" });
    ui.welcome = el("div", "sd-welcome", undefined, { id: "swarmdesk-welcome" });
    ui.forget = label(el("button", "sd-forget", undefined, { id: "swarmdesk-forget", type: "button" }),
      N_("Forget me on this browser"));
    ui.welcome.append(label(el("p", "sd-welcome-text"), WELCOME_TEXT), ui.forget);
    ui.panel.append(header, ui.welcome, ui.messages, ui.typing, ui.error, ui.survey, form, ui.restart);
    root.append(ui.panel, ui.launcher);
    document.body.appendChild(root);

    ui.launcher.addEventListener("click", () => setOpen(ui.panel.hidden));
    ui.language.addEventListener("change", () => chooseLanguage(ui.language.value));
    close.addEventListener("click", () => setOpen(false));
    root.addEventListener("keydown", (event) => event.key === "Escape" && !ui.panel.hidden && setOpen(false));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(ui.input.value);
    });
    ui.end.addEventListener("click", confirmEnd);
    ui.forget.addEventListener("click", forgetMe);
    ui.restart.addEventListener("click", restart);
    ui.input.addEventListener("input", sendTyping);
  }

  /** Tell the agent the customer is typing (at most every 3 s, only while an agent is in the chat). */
  function sendTyping() {
    if (state !== "agent" || !socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastTypingSent < 3000) return;
    lastTypingSent = Date.now();
    socket.send(JSON.stringify({ type: "typing" }));
  }

  /** Show "<agent> is typing…" for a few seconds. */
  function showTyping(name) {
    ui.typing.textContent = tr(N_("{name} is typing…"), { name: name || tr(N_("The agent")) });
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (ui.typing.hidden = true), 4000);
  }

  /** Open or close the panel (remembered for this tab); the first open creates the conversation. */
  function setOpen(open, moveFocus = true) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    save("sessionStorage", OPEN_KEY, open ? "1" : "0");
    if (!open) return moveFocus && ui.launcher.focus();
    if (moveFocus) (ui.input.disabled ? ui.restart : ui.input).focus();
    ui.messages.scrollTop = ui.messages.scrollHeight;
    if (!conversation) start();
    if (!ui.welcome.dataset.loaded) showTopics();
  }

  /** The welcome card's quick topics: the help articles the bot answers most; picking one asks its question. */
  async function showTopics() {
    ui.welcome.dataset.loaded = "1";
    const data = await api("GET", "/api/widget/topics").catch(() => null); // no topics: the greeting alone
    if (!data || !Array.isArray(data.topics) || !data.topics.length) return;
    const box = label(el("div", "sd-topics", undefined, { role: "group" }), undefined, { "aria-label": N_("Popular topics") });
    for (const topic of data.topics) {
      const node = el("button", "sd-quick-reply", String(topic.title || ""), { type: "button" });
      node.addEventListener("click", () => send(String(topic.question || topic.title || "")));
      box.append(node);
    }
    ui.forget.before(box);
  }

  /** The API path of the current conversation plus a suffix. */
  function path(suffix) {
    return "/api/conversations/" + encodeURIComponent(conversation.conversation_id) + suffix;
  }

  /** Call the API: resolves to the JSON body, or rejects with an Error that carries the reason and the status. */
  async function api(method, url, body) {
    const headers = body === undefined ? {} : { "Content-Type": "application/json" };
    if (conversation) headers.Authorization = "Bearer " + conversation.token;
    let response;
    try {
      response = await fetch(ORIGIN + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw Object.assign(new Error(tr(OFFLINE_TEXT)), { status: 0 });
    }
    const data = await response.json().catch(() => null);
    if (response.ok && (data || response.status === 204)) return data;
    throw Object.assign(new Error(reason(response.status, data)), { status: response.status });
  }

  /** Turn an API error (FastAPI's {"detail": "…"} or {"detail": [{loc, msg}]}) into a sentence. */
  function reason(status, data) {
    if (status === 413) return tr(N_("Message too long (max 4,000 characters)"));
    const detail = data && data.detail;
    const text = !Array.isArray(detail) ? (typeof detail === "string" ? detail : "") : detail
      .filter((item) => item && item.msg)
      .map((item) => (Array.isArray(item.loc) ? item.loc.filter((p) => p !== "body").join(".") + ": " : "") + item.msg)
      .join("; ");
    if (text) return text.charAt(0).toUpperCase() + text.slice(1);
    if (status === 429) return tr(N_("Too many messages — please wait a moment and try again."));
    return status >= 500 ? tr(SERVER_TEXT) : tr(N_("Something went wrong (error {status})."), { status });
  }

  /** Create the conversation (once, however often asked), remember it and go live. */
  function start() {
    starting = starting || (async () => {
      try {
        const created = await api("POST", "/api/conversations", { visitor_id: visitorId() });
        conversation = { conversation_id: String(created.conversation_id), token: String(created.token) };
        save("localStorage", STORE_KEY, JSON.stringify(conversation));
        if (load("localStorage", LANGUAGE_KEY)) await api("PUT", path("/language"), { language }).catch(() => null);
        showError("");
        setState("bot");
        connect();
      } catch (error) {
        showError(error.message);
      } finally {
        starting = null;
      }
    })();
    return starting;
  }

  /** Forget the conversation, its messages and its socket. */
  function forget() {
    save("localStorage", STORE_KEY, null);
    clearTimeout(reconnectTimer);
    if (socket) socket.close();
    [conversation, socket, lastSeq, reconnectDelay] = [null, null, 0, 1000];
    for (const entry of waiting.values()) entry.reject(Object.assign(new Error(tr(GONE_TEXT)), { status: 0 }));
    waiting.clear();
    shown.clear();
    ui.messages.replaceChildren();
    ui.survey.replaceChildren();
    ui.survey.hidden = true;
    ui.welcome.hidden = false;
    setState("bot");
  }

  /** On 401/404 the server no longer knows this conversation: forget it; start afresh if the panel is open. */
  function dropIfGone(error) {
    if (error.status !== 401 && error.status !== 404) return false;
    forget();
    if (!ui.panel.hidden) start();
    return true;
  }

  /** "Start a new chat": forget the ended conversation and open a new one. */
  async function restart() {
    forget();
    showError("");
    await start();
    ui.input.focus();
  }

  /** Open the socket first, then fetch what was missed; reconnect with backoff (1 s → 10 s). */
  function connect() {
    const current = conversation;
    if (!current || socket) return;
    const ws = new WebSocket(WS_ORIGIN + "/ws/conversations/" + encodeURIComponent(current.conversation_id));
    let frames = 0;
    socket = ws;
    ws.addEventListener("open", () => { // the token goes in the first frame, never in a URL that gets logged
      ws.send(JSON.stringify({ type: "hello", token: current.token }));
      fetchMissed();
    });
    ws.addEventListener("message", (event) => {
      const frame = parse(event.data);
      if (frame && (frame.type === "said" || frame.type === "refused")) return answered(frame);
      if (frame && frame.type === "message" && frame.message) addMessage(frame.message);
      else if (frame && frame.type === "typing" && frame.sender === "agent") showTyping(frame.name);
      else if (frame && frame.type === "position" && state === "queued") {
        ui.state.textContent = `Waiting for an agent — you are number ${Number(frame.position)}`;
      }
      else if (frame && frame.type === "state") {
        liveStates += 1;
        setState(frame.state);
      }
      if (++frames > 1) return;
      reconnectDelay = 1000; // the first frame proves the server has subscribed: reset backoff, close the gap
      fetchMissed();
    });
    ws.addEventListener("close", () => {
      if (socket === ws) socket = null;
      if (conversation !== current) return;
      for (const entry of waiting.values()) postAgain(entry); // the answer may be lost: the ref stores it once
      waiting.clear();
      if (state === "closed") return;
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(() => conversation === current && connect(), reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      fetchMissed(); // polls while the socket is down; a 401/404 here forgets the conversation
    });
  }

  /** Send a message: over the socket while a person has the chat (answered there, `said` or `refused`), else by
   * HTTP. Resolves like the API: {messages, state}. */
  function deliver(body) {
    const ws = socket;
    const live = ws && ws.readyState === WebSocket.OPEN && (state === "queued" || state === "agent");
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
    if (frame.type === "said") entry.resolve({ messages: [frame.message], state });
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

  /** Fetch every message after the last seq seen, and the current state. */
  async function fetchMissed() {
    const current = conversation;
    const seen = liveStates;
    if (!current) return;
    try {
      const data = await api("GET", path("/messages?after=" + lastSeq));
      if (conversation !== current) return;
      (data.messages || []).forEach(addMessage);
      if (seen === liveStates) setState(data.state);
    } catch (error) {
      if (conversation === current) dropIfGone(error);
    }
  }

  /** Send typed text, or a quick reply's title and payload; on failure the typed text stays in the input. */
  async function send(text, payload, replies) {
    if (!text.trim() || state === "closed") return;
    if (!conversation) await start();
    if (!conversation) return replies && setDisabled(replies, false);
    const seen = liveStates;
    pending += 1;
    ui.send.disabled = true;
    try {
      const data = await deliver(payload === undefined ? { text } : { text, payload });
      if (payload === undefined && ui.input.value === text) ui.input.value = "";
      showError("");
      (data.messages || []).forEach(addMessage);
      if (seen === liveStates) setState(data.state);
    } catch (error) {
      if (replies) setDisabled(replies, false);
      const gone = dropIfGone(error);
      if (gone) await starting; // a new chat is starting; then say why this message did not go
      showError(gone ? tr(GONE_TEXT) : error.message);
      if (error.status === 409) fetchMissed(); // the chat has ended meanwhile: show that
    } finally {
      pending -= 1;
      ui.send.disabled = pending > 0 || state === "closed";
    }
  }

  /** Show a message once, in seq order, with its sender, links and quick replies. */
  function addMessage(message) {
    const seq = Number(message && message.seq);
    if (!Number.isFinite(seq) || shown.has(seq)) return;
    shown.add(seq);
    lastSeq = Math.max(lastSeq, seq);
    const sender = SENDERS.includes(message.sender) ? message.sender : "system";
    if (sender === "customer") ui.welcome.hidden = true; // the customer has started: the card made its offer
    const item = el("li", "sd-msg sd-" + sender, undefined, { "data-seq": String(seq) });
    if (sender === "bot" || sender === "agent") {
      const name = String(message.sender_name || tr(sender === "bot" ? N_("Lumora assistant") : N_("Agent")));
      const from = el("div", "sd-from");
      from.append(el("span", "sd-avatar", initials(name), { "aria-hidden": "true" }), el("span", "sd-name", name));
      item.append(from);
    }
    if (message.text) item.append(el("p", "sd-text", String(message.text)));
    if (message.created_at) item.append(sentAt(new Date(message.created_at)));
    if (Array.isArray(message.links) && message.links.length) item.append(renderLinks(message.links));
    if (Array.isArray(message.buttons) && message.buttons.length) item.append(quickReplies(message.buttons));
    if (sender === "agent") ui.typing.hidden = true;
    const next = [...ui.messages.children].find((node) => Number(node.dataset.seq) > seq);
    ui.messages.insertBefore(item, next || null);
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  /** Up to two initials of a name, for its avatar ("Dana Desk" → "DD"). */
  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0].toUpperCase()).join("");
  }

  /** When a message was sent: the time of day, the full date and time on hover (the visitor's time zone). */
  function sentAt(moment) {
    if (Number.isNaN(moment.getTime())) return document.createTextNode("");
    const node = el("time", "sd-time", moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    node.dateTime = moment.toISOString();
    node.title = moment.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
    return node;
  }

  /** Links built from the `links` field; only site paths and http(s) URLs get an href. */
  function renderLinks(links) {
    const list = el("ul", "sd-links");
    for (const link of links) {
      const url = String((link && link.url) || "");
      const title = String((link && link.title) || url);
      const item = el("li");
      if (url.startsWith("/") || url.startsWith("https://") || url.startsWith("http://")) {
        const anchor = el("a", "sd-link", title, { target: "_blank", rel: "noopener" });
        anchor.href = url.startsWith("/") ? ORIGIN + url : url; // site paths live on the support origin
        item.append(anchor);
      } else {
        item.textContent = title;
      }
      list.append(item);
    }
    return list;
  }

  /** Quick-reply buttons; a click sends {text: title, payload} and disables this message's buttons. */
  function quickReplies(buttons) {
    const box = label(el("div", "sd-quick-replies", undefined, { role: "group" }), undefined,
      { "aria-label": N_("Suggested replies") });
    for (const choice of buttons) {
      const title = String((choice && choice.title) || "");
      const node = el("button", "sd-quick-reply", title, { type: "button" });
      node.disabled = state === "closed";
      node.addEventListener("click", () => {
        setDisabled(box, true);
        node.classList.add("sd-chosen"); // the answer stays visible on the buttons, not only as a line below
        send(title, String((choice && choice.payload) ?? title), box);
      });
      box.append(node);
    }
    return box;
  }

  /** Enable or disable every button in a container. */
  function setDisabled(container, disabled) {
    container.querySelectorAll("button").forEach((node) => (node.disabled = disabled));
    if (!disabled) container.querySelectorAll(".sd-chosen").forEach((node) => node.classList.remove("sd-chosen")); // not sent
  }

  /** Reflect the conversation's state in the header, the form and the controls. */
  function setState(next) {
    if (!STATE_TEXT[next]) return;
    const closing = next === "closed" && state !== "closed";
    const hadFocus = document.activeElement === ui.input || document.activeElement === ui.end;
    state = next;
    label(ui.state, STATE_TEXT[next]);
    ui.input.disabled = next === "closed";
    ui.send.disabled = next === "closed" || pending > 0;
    ui.end.hidden = next === "closed";
    ui.restart.hidden = next !== "closed";
    if (!closing) return;
    setDisabled(ui.messages, true);
    if (hadFocus) ui.restart.focus();
    offerSurvey();
  }

  /** Once per chat, when it closes: the survey card (widget_survey.js), answered through the customer API. */
  function offerSurvey() {
    const current = conversation;
    if (!current || state !== "closed" || !window.SwarmdeskSurvey) return;
    if (load("localStorage", SURVEYED_KEY) === current.conversation_id) return;
    save("localStorage", SURVEYED_KEY, current.conversation_id);
    window.SwarmdeskSurvey.show(ui.survey, (question, score) => api("POST", path("/survey"), { question, score }), tr);
  }

  /** Put "End chat" back to its resting label. */
  function disarmEnd() {
    clearTimeout(endArmed);
    endArmed = 0;
    label(ui.end, N_("End chat"));
  }

  /** "End chat" without confirm(): a second click within 3 s ends the conversation. */
  async function confirmEnd() {
    if (!conversation || state === "closed") return;
    if (!endArmed) {
      label(ui.end, N_("Click again to end"));
      endArmed = setTimeout(disarmEnd, 3000);
      return;
    }
    disarmEnd();
    try {
      const data = await api("POST", path("/end"));
      showError("");
      setState(data.state || "closed");
      fetchMissed(); // pick up a closing system message, if the server wrote one
    } catch (error) {
      if (!dropIfGone(error)) showError(error.message);
    }
  }

  /** Show the inline error line, or hide it when text is empty. */
  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  /** Build the widget, then restore a stored conversation (and an open panel) after a reload. */
  async function init() {
    await loadTexts();
    build();
    if (conversation) connect();
    if (load("sessionStorage", OPEN_KEY) === "1") setOpen(true, false);
  }

  if (document.body) init();
  else document.addEventListener("DOMContentLoaded", init);
})();
