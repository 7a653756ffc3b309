/* The swarm room: live messages, proposed answers, the owner's tools. Text is always set with textContent. */
(() => {
  "use strict";
  const { el, api, when } = window.Staff;
  const SWARM = document.body.dataset.swarm;
  const BASE = "/api/swarms/" + SWARM;
  const WS_URL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/swarms/" + SWARM;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("room-error"), action);

  let me = null;
  let open = true;
  let lastSeq = 0;
  let reconnectDelay = 1000;
  let answering = null; // the message id being sent to the customer

  /* ---- the room's state ---- */

  async function loadRoom() {
    const room = await attempt(() => api("GET", BASE));
    if (!room) return;
    me = room.me;
    open = room.status === "open";
    $("closed-banner").hidden = open;
    document.querySelectorAll("#room-form textarea, #room-form button").forEach((n) => (n.disabled = !open));
    $("case-title").textContent = `Case ${room.case.number} · ${room.case.subject} (${room.case.status}, ${room.case.priority} priority)`;
    $("case-description").textContent = room.case.description || "";
    $("packet").textContent = room.packet ? `${(room.packet.reason || "").replace(/_/g, " ")} — ${room.packet.summary || ""}` : "—";
    showTranscript(room);
    $("members").replaceChildren(...room.members.map((m) => el("li", "row", `${m.name} · ${m.role}`)));
    const f = room.figures;
    $("figures").textContent = `Experts joined: ${f.experts_joined}` +
      (f.time_to_first_expert_seconds !== null ? ` · first expert after ${Math.round(f.time_to_first_expert_seconds)} s` : "") +
      (f.time_to_resolution_seconds !== null ? ` · resolved after ${Math.round(f.time_to_resolution_seconds)} s` : "");
    $("owner-tools").hidden = !(me.is_owner && open);
    if (me.is_owner) {
      if (!$("skills").value) $("skills").value = room.skills.join(", ");
      $("invitations").replaceChildren(...room.invitations.map((i) => el("li", "row", `${i.name} · ${i.status}`)));
      $("guests").replaceChildren(...room.guests.map(guestRow));
    }
  }

  /* ---- the customer's chat, and what the room's guests see of it ---- */

  function showTranscript(room) {
    const view = room.guest_view;
    const guest = me.role === "guest";
    $("nothing-shared").hidden = !(guest && !room.transcript.length);
    $("customer-transcript").replaceChildren(...room.transcript.map((m) => {
      const item = messageItem(m.sender_name, m.sender, m.text, m.created_at);
      if (guest) return item;
      const shared = view.shared.includes(m.id);
      if (shared) item.append(el("strong", "proposed", "Shared with guests"));
      if (me.is_owner && shared) item.append(action("Unshare", () => changeGuestView("DELETE", `/shared/${m.id}`)));
      else if (me.is_owner && open) item.append(action("Share with guests", () => changeGuestView("POST", "/shared", { message_id: m.id })));
      return item;
    }));
    $("guest-view-tools").hidden = !me.is_owner;
    $("guest-view-status").textContent = view.reveal_all
      ? "Guests see the whole chat (without personal data)."
      : `Guests see ${view.shared.length} shared message${view.shared.length === 1 ? "" : "s"} of this chat (without personal data).`;
    $("reveal-all").textContent = view.reveal_all ? "Hide the whole chat from guests" : "Reveal the whole chat to guests";
    $("reveal-all").hidden = !view.reveal_all && !open;
    $("reveal-all").dataset.reveal = view.reveal_all ? "false" : "true";
  }

  async function changeGuestView(method, path, body) {
    if (await attempt(() => api(method, `${BASE}/guest-view${path}`, body))) loadRoom();
  }

  $("reveal-all").addEventListener("click", () =>
    changeGuestView("PUT", "", { reveal_all: $("reveal-all").dataset.reveal === "true" }));

  function messageItem(name, role, text, at) {
    const item = el("li", "msg msg-" + role);
    item.append(el("span", "who", name), when(at), el("p", "", text));
    return item;
  }

  /* ---- room messages ---- */

  async function fetchMissed() {
    const data = await attempt(() => api("GET", `${BASE}/messages?after=${lastSeq}`));
    if (data) data.messages.forEach(showMessage);
  }

  function showMessage(message) {
    lastSeq = Math.max(lastSeq, message.seq);
    const item = messageItem(`${message.author} · ${message.role}`, message.role === "system" ? "system" : "agent", message.text, message.created_at);
    item.dataset.seq = String(message.seq);
    if (message.proposed) item.append(el("strong", "proposed", message.sent ? "Proposed answer — sent to the customer" : "Proposed answer"));
    if (open && message.role !== "system") {
      if (!message.proposed) item.append(action("Mark as proposed answer", () => propose(message.id)));
      if (me && me.is_owner) item.append(action("Send to customer…", () => startAnswer(message)));
    }
    const existing = $("room").querySelector(`[data-seq="${message.seq}"]`);
    if (existing) existing.replaceWith(item);
    else {
      const later = [...$("room").children].find((node) => Number(node.dataset.seq) > message.seq);
      $("room").insertBefore(item, later || null);
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function action(label, onClick) {
    const node = el("button", "secondary", label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  async function propose(id) {
    const message = await attempt(() => api("POST", `${BASE}/messages/${id}/propose`));
    if (message) showMessage(message);
  }

  function startAnswer(message) {
    answering = message.id;
    $("answer-text").value = message.text;
    $("answer-form").hidden = false;
    $("answer-text").focus();
  }

  $("answer-cancel").addEventListener("click", () => ($("answer-form").hidden = true));
  $("answer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const sent = await attempt(() => api("POST", `${BASE}/messages/${answering}/send`, { text: $("answer-text").value }));
    if (sent) {
      $("answer-form").hidden = true;
      fetchMissed();
    }
  });

  $("room-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("room-text").value.trim();
    if (!text) return;
    const message = await attempt(() => api("POST", `${BASE}/messages`, { text }));
    if (message) {
      $("room-text").value = "";
      showMessage(message);
    }
  });
  $("room-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("room-form").requestSubmit();
    }
  });

  /* ---- owner: experts, guests, close ---- */

  $("find-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const skills = encodeURIComponent($("skills").value);
    const found = await attempt(() => api("GET", `${BASE}/suggestions?skills=${skills}`));
    if (!found) return;
    $("suggestions").replaceChildren(...found.people.map((p) => {
      const item = el("li", "row");
      const label = el("label");
      const box = el("input");
      box.type = "checkbox";
      box.value = String(p.id);
      label.append(box, " " + p.name);
      item.append(label, el("span", "muted", p.why));
      return item;
    }));
    if (!found.people.length) $("suggestions").append(el("li", "muted", "Nobody else can be invited."));
  });

  $("invite").addEventListener("click", async () => {
    const ids = [...$("suggestions").querySelectorAll("input:checked")].map((box) => Number(box.value));
    if (!ids.length) return attempt(() => Promise.reject(new Error("Tick the people to invite.")));
    if (await attempt(() => api("POST", `${BASE}/invitations`, { person_ids: ids }))) {
      $("suggestions").replaceChildren();
      loadRoom();
    }
  });

  function guestRow(guest) {
    const item = el("li", "row", `${guest.name} · ${guest.revoked ? "revoked" : "until " + new Date(guest.expires_at).toLocaleString()}`);
    if (!guest.revoked) {
      item.append(action("Revoke", async () => {
        if (await attempt(() => api("DELETE", `${BASE}/guests/${guest.id}`))) loadRoom();
      }));
    }
    return item;
  }

  $("guest-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: $("guest-name").value, valid_hours: Number($("guest-hours").value) };
    const made = await attempt(() => api("POST", `${BASE}/guests`, body));
    if (!made) return;
    $("guest-link").textContent = `Send this link to ${made.name} (shown once): ${made.url}`;
    $("guest-link").hidden = false;
    $("guest-name").value = "";
    loadRoom();
  });

  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { outcome: $("outcome").value, resolve_case: $("resolve-case").checked };
    if (await attempt(() => api("POST", `${BASE}/close`, body))) {
      await loadRoom();
      $("room").replaceChildren();
      lastSeq = 0;
      fetchMissed();
    }
  });

  /* ---- live ---- */

  function connect() {
    const socket = new WebSocket(WS_URL);
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "ready") {
        reconnectDelay = 1000;
        $("link-status").textContent = "Live";
        $("link-status").classList.remove("down");
        fetchMissed();
      } else if (frame.type === "message") showMessage(frame.message);
      else if (frame.type === "room") {
        if (frame.text) attempt(() => Promise.reject(new Error(frame.text)));
        loadRoom();
      }
    });
    socket.addEventListener("close", (event) => {
      $("link-status").textContent = event.code === 4403 ? "Not in this room" : "Reconnecting…";
      $("link-status").classList.add("down");
      if (event.code === 4403) return;
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
    });
  }

  loadRoom().then(() => {
    fetchMissed();
    connect();
  });
})();
