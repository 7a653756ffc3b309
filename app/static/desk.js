/* The agent desk: queue, offers, live chat, context. Every text is set with textContent (never parsed as HTML). */
(() => {
  "use strict";
  const { el, api, when } = window.Staff;
  const TTL = Number(document.querySelector('meta[name="presence-ttl"]').content) || 45;
  const WS_URL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/desk";
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("desk-error"), action);

  let socket = null;
  let reconnectDelay = 1000;
  let current = null; // the conversation open in the chat pane
  let customer = ""; // who its customer is (a name, an email or "Visitor 4821"), from the transcript
  let lastSeq = 0;
  let shown = new Set();
  let offer = null; // {conversation_id, deadline}
  let typingTimer = null;
  let lastTypingSent = 0;
  const waiting = new Map(); // ref → {url, body, resolve, reject}: replies sent over the socket, not yet answered

  /** A button that runs `onClick`. */
  function button(text, onClick, className) {
    const node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  /** Show (or with "" clear) a message in the error line. */
  function showError(text) {
    $("desk-error").textContent = text;
    $("desk-error").hidden = !text;
  }

  /** An in-app notification with a link (swarm invitations and answers). */
  function showNotice(text, href) {
    const item = el("li", "row");
    const link = el("a", "", text);
    link.href = href;
    link.target = "_blank";
    item.append(link);
    $("notices").prepend(item);
    $("notices").hidden = false;
    beep();
  }

  /* ---- live connection and presence ---- */

  function setLink(text, ok) {
    $("link-status").textContent = text;
    $("link-status").classList.toggle("down", !ok);
  }

  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  /** Connect, then (on "ready") watch the open chat and fetch what was missed; reconnect with backoff. */
  function connect() {
    const ws = new WebSocket(WS_URL);
    socket = ws;
    ws.addEventListener("message", (event) => handleFrame(JSON.parse(event.data)));
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      for (const entry of waiting.values()) api("POST", entry.url, entry.body).then(entry.resolve, entry.reject);
      waiting.clear(); // posted again under the same ref: a reply whose answer was lost is stored once
      if (event.code === 4403) {
        setLink("Signed out — sign in again", false);
        return;
      }
      setLink("Reconnecting…", false);
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
    });
  }

  function handleFrame(frame) {
    if (frame.type === "ready") {
      reconnectDelay = 1000;
      setLink("Live", true);
      if ($("presence").value === "away") sendFrame({ type: "away" });
      if (current) sendFrame({ type: "watch", conversation_id: current });
      refreshLists();
    } else if (frame.type === "watching" && frame.conversation_id === current) {
      fetchMissed();
    } else if (frame.type === "offer") {
      showOffer(frame);
    } else if (frame.type === "offer_gone" && offer && offer.conversation_id === frame.conversation_id) {
      hideOffer("Another agent took that chat.");
    } else if (frame.type === "queue") {
      refreshLists();
    } else if (frame.type === "said" || frame.type === "refused") {
      answered(frame);
    } else if (frame.type === "swarm") {
      showNotice(frame.text, "/swarms/" + frame.swarm_id);
    } else if (frame.conversation_id === current) {
      if (frame.type === "message") addMessage(frame.message);
      else if (frame.type === "state") setChatState(frame.state);
      else if (frame.type === "typing" && frame.sender === "customer") showTyping();
    }
  }

  /** Send a reply over the socket (answered there), or by HTTP while it is down; resolves to the stored message. */
  function say(conversationId, text) {
    const url = `/api/desk/conversations/${encodeURIComponent(conversationId)}/messages`;
    const ref = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    const entry = { url, body: { text, ref } };
    if (!socket || socket.readyState !== WebSocket.OPEN) return api("POST", url, entry.body);
    return new Promise((resolve, reject) => {
      waiting.set(ref, Object.assign(entry, { resolve, reject }));
      socket.send(JSON.stringify({ type: "say", conversation_id: conversationId, text, ref }));
    });
  }

  /** The socket's answer to a reply sent over it. */
  function answered(frame) {
    const entry = waiting.get(frame.ref);
    if (!entry) return;
    waiting.delete(frame.ref);
    if (frame.type === "said") entry.resolve(frame.message);
    else entry.reject(new Error(frame.detail || "the reply was refused"));
  }

  setInterval(() => {
    if ($("presence").value === "online") sendFrame({ type: "heartbeat" });
  }, Math.max(5, TTL / 3) * 1000);

  $("presence").addEventListener("change", () => {
    sendFrame({ type: $("presence").value === "online" ? "heartbeat" : "away" });
  });

  /* ---- offers: sound, browser notification, countdown ---- */

  function beep() {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch (error) {
      /* no sound available: the banner still shows */
    }
  }

  function showOffer(frame) {
    offer = { conversation_id: frame.conversation_id, deadline: Date.now() + frame.expires_in * 1000 };
    const what = [
      frame.reason && frame.reason.replace(/_/g, " "),
      frame.skill && "skill: " + frame.skill,
      frame.language_name && "in " + frame.language_name,
      frame.summary,
    ];
    $("offer-what").textContent = what.filter(Boolean).join(" · ");
    $("offer").hidden = false;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      new Notification("Swarmdesk: a chat is waiting for you", { body: $("offer-what").textContent });
    }
    tickOffer();
    refreshLists();
  }

  function tickOffer() {
    if (!offer) return;
    const left = Math.ceil((offer.deadline - Date.now()) / 1000);
    if (left <= 0) return hideOffer("The offer timed out: the chat is back in the queue, where you can still take it.");
    $("offer-left").textContent = left + " s left";
    setTimeout(tickOffer, 500);
  }

  function hideOffer(why) {
    offer = null;
    $("offer").hidden = true;
    if (why) showError(why);
  }

  $("offer-accept").addEventListener("click", () => offer && accept(offer.conversation_id));
  $("offer-decline").addEventListener("click", async () => {
    if (!offer) return;
    const id = offer.conversation_id;
    hideOffer();
    await attempt(() => api("POST", `/api/desk/conversations/${encodeURIComponent(id)}/decline`));
  });
  document.addEventListener(
    "click",
    () => "Notification" in window && Notification.permission === "default" && Notification.requestPermission(),
    { once: true },
  );

  /* ---- queue and my chats ---- */

  async function refreshLists() {
    const [queue, mine] = await Promise.all([api("GET", "/api/desk/queue"), api("GET", "/api/desk/mine")]).catch(
      (error) => [showError(error.message), null],
    );
    if (!queue) return;
    $("queue-count").textContent = String(queue.waiting.length);
    $("queue").replaceChildren(...queue.waiting.map(queueRow));
    $("mine").replaceChildren(...mine.conversations.map(mineRow));
  }

  function queueRow(row) {
    const item = el("li", "row");
    item.append(el("strong", "", row.title || "No problem stated yet"));
    const facts = [
      row.customer,
      "waiting " + row.waited_seconds + " s",
      (row.reason || "").replace(/_/g, " "),
      row.skill ? "skill: " + row.skill : "any skill",
      row.language_name && "in " + row.language_name,
      row.priority,
    ];
    item.append(el("span", "muted", facts.filter(Boolean).join(" · ")));
    item.append(button("Accept", () => accept(row.conversation_id)));
    return item;
  }

  function mineRow(row) {
    const item = el("li", "row" + (row.conversation_id === current ? " current" : ""));
    item.append(el("strong", "", row.customer), el("span", "muted", row.title || "No problem stated yet"));
    item.append(button("Open", () => openChat(row.conversation_id), "secondary"));
    return item;
  }

  async function accept(id) {
    if (offer && offer.conversation_id === id) hideOffer();
    const done = await attempt(() => api("POST", `/api/desk/conversations/${encodeURIComponent(id)}/accept`));
    if (done) openChat(id);
    refreshLists();
  }

  /* ---- the chat ---- */

  function openChat(id) {
    if (current && current !== id) sendFrame({ type: "unwatch", conversation_id: current });
    current = id;
    lastSeq = 0;
    shown = new Set();
    $("transcript").replaceChildren();
    $("chat").hidden = false;
    $("side").hidden = false;
    $("chat-empty").hidden = true;
    customer = "";
    $("chat-title").textContent = "Loading the chat…";
    sendFrame({ type: "watch", conversation_id: id });
    fetchMissed();
    window.DeskContext.open(id);
    window.DeskProblem.open(id);
    window.DeskCanned.open(id);
    window.DeskAssist.open(id);
    loadAgents();
    refreshLists();
  }

  /** Fetch everything after the last message seen; addMessage drops what is already shown. */
  async function fetchMissed() {
    const id = current;
    const data = await attempt(() => api("GET", `/api/desk/conversations/${encodeURIComponent(id)}/messages?after=${lastSeq}`));
    if (!data || id !== current) return;
    nameCustomer(data.customer);
    data.messages.forEach(addMessage);
    setChatState(data.state);
  }

  /** Call the open chat's customer `name` in its title and on every line of theirs. */
  function nameCustomer(name) {
    customer = name;
    $("chat-title").textContent = "Chat with " + name;
    document.querySelectorAll("#transcript .msg-customer .who").forEach((node) => (node.textContent = name));
  }
  document.addEventListener("desk:customer", (event) => current && nameCustomer(event.detail));
  document.addEventListener("desk:sent", (event) => current && addMessage(event.detail)); // e.g. assist's Send link

  function addMessage(message) {
    if (!message || shown.has(message.seq)) return;
    shown.add(message.seq);
    lastSeq = Math.max(lastSeq, message.seq);
    const item = el("li", "msg msg-" + message.sender);
    item.dataset.seq = String(message.seq);
    const who = message.sender === "customer" ? customer || message.sender_name : message.sender_name;
    item.append(el("span", "who", who), when(message.created_at), el("p", "", message.text));
    window.DeskProblem.decorate(item, message);
    const later = [...$("transcript").children].find((node) => Number(node.dataset.seq) > message.seq);
    $("transcript").insertBefore(item, later || null);
    if (message.sender === "customer") {
      $("typing").hidden = true;
      document.dispatchEvent(new CustomEvent("desk:customer-message", { detail: current })); // assist looks again
    }
    item.scrollIntoView({ block: "nearest" });
  }

  function setChatState(state) {
    $("chat-state").textContent = state;
    const mine = state === "agent";
    $("reply").disabled = !mine;
    document.querySelectorAll("#composer button, .chat-actions button").forEach((node) => (node.disabled = !mine));
  }

  function showTyping() {
    $("typing").hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => ($("typing").hidden = true), 4000);
  }

  const chatUrl = (suffix) => `/api/desk/conversations/${encodeURIComponent(current)}${suffix}`;

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text || !current || window.DeskCanned.holds()) return;
    const sent = await say(current, text).catch((error) => window.DeskCanned.refused(error.message));
    if (sent) {
      $("reply").value = "";
      window.DeskCanned.sent();
      addMessage(sent);
    }
  });
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.defaultPrevented) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("reply").addEventListener("input", () => {
    if (!current || Date.now() - lastTypingSent < 3000) return;
    lastTypingSent = Date.now();
    api("POST", chatUrl("/typing")).catch(() => {});
  });

  async function finish(action, body) {
    const done = await attempt(() => api("POST", action, body));
    if (!done) return;
    sendFrame({ type: "unwatch", conversation_id: current });
    current = null;
    $("chat").hidden = true;
    $("side").hidden = true;
    $("chat-empty").hidden = false;
    refreshLists();
  }

  $("close").addEventListener("click", () => finish(chatUrl("/close")));
  $("hand-back").addEventListener("click", () => finish(`/api/conversations/${encodeURIComponent(current)}/hand-back`));
  $("transfer").addEventListener("click", () => {
    const [kind, value] = $("transfer-to").value.split(":");
    if (!value) return showError("Choose who to transfer to.");
    finish(chatUrl("/transfer"), kind === "agent" ? { agent_id: Number(value) } : { skill: value });
  });

  async function loadAgents() {
    const data = await attempt(() => api("GET", "/api/desk/agents"));
    if (!data) return;
    const options = [el("option", "", "Choose…")];
    options[0].value = "";
    data.agents.forEach((agent) => {
      const option = el("option", "", agent.name + (agent.skills.length ? " (" + agent.skills.join(", ") + ")" : ""));
      option.value = "agent:" + agent.id;
      options.push(option);
    });
    new Set(data.agents.flatMap((agent) => agent.skills)).forEach((skill) => {
      const option = el("option", "", "Anyone with " + skill);
      option.value = "skill:" + skill;
      options.push(option);
    });
    $("transfer-to").replaceChildren(...options);
  }

  /** My swarm recognition in the header: swarms joined, answers accepted. */
  async function loadCounts() {
    const mine = await attempt(() => api("GET", "/api/swarms/mine"));
    if (mine) $("swarm-counts").textContent = `Swarms joined ${mine.counts.swarms_joined} · answers accepted ${mine.counts.answers_accepted}`;
  }

  connect();
  refreshLists();
  loadCounts();
})();
