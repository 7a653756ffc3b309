/* Swarmdesk chat widget: the conversation's life — start, send, state, end, survey, forget — and the visitor's id. */
"use strict";

/** The conversation part (widget.js assembles it): what the customer's actions do to the chat, and what they see. */
window.SwarmdeskWidget.parts.conversation = (widget) => {
  const { chat, ui, N_ } = widget;
  const STORE_KEY = "swarmdesk.conversation";
  const VISITOR_KEY = "swarmdesk.visitor"; // a random id, so the team sees a returning visitor's earlier chats
  const SURVEYED_KEY = "swarmdesk.surveyed"; // the chat whose survey was shown: once per chat, reloads included
  const STATE_TEXT = {
    bot: N_("Virtual assistant"), queued: N_("Waiting for an agent…"), agent: N_("Chatting with an agent"),
    closed: N_("This chat has ended"),
  };
  const GONE_TEXT = N_("That chat is no longer available, so a new one has started. Please send your message again.");
  let starting = null; // the promise of a conversation being created
  let pending = 0; // messages in flight
  let endArmed = 0; // timer of the first "End chat" click

  /** The stored conversation ({conversation_id, token}) if it looks valid, else null. */
  function storedConversation() {
    const stored = widget.parse(widget.load("localStorage", STORE_KEY));
    return stored && typeof stored.conversation_id === "string" && typeof stored.token === "string" ? stored : null;
  }

  /** This browser's visitor id, made on first use (random; the customer can make the browser forget it). */
  function visitorId() {
    const kept = widget.load("localStorage", VISITOR_KEY);
    if (kept && /^[a-f0-9]{32}$/.test(kept)) return kept;
    const made = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
    widget.save("localStorage", VISITOR_KEY, made);
    return made;
  }

  /** Forget this browser: the team no longer sees its chats as one visitor's, and a new id is made next time. */
  async function forgetMe() {
    const kept = widget.load("localStorage", VISITOR_KEY);
    if (kept) await widget.api("POST", "/api/widget/forget", { visitor_id: kept }).catch(() => null);
    widget.save("localStorage", VISITOR_KEY, null);
    widget.label(ui.forget, N_("Forgotten: your chats on this browser are no longer linked."));
    ui.forget.disabled = true;
  }

  /** Create the conversation (once, however often asked), remember it and go live. */
  function start() {
    starting = starting || (async () => {
      try {
        const opened = { visitor_id: visitorId(), browser_language: widget.shownLanguage() };
        const created = await widget.api("POST", "/api/conversations", opened);
        chat.conversation = { conversation_id: String(created.conversation_id), token: String(created.token) };
        widget.save("localStorage", STORE_KEY, JSON.stringify(chat.conversation));
        await widget.tellPickedLanguage();
        widget.showError("");
        setState("bot");
        widget.connect();
      } catch (error) {
        widget.showError(error.message);
      } finally {
        starting = null;
      }
    })();
    return starting;
  }

  /** Forget the conversation, its messages and its socket. */
  function forget() {
    widget.save("localStorage", STORE_KEY, null);
    chat.conversation = null;
    widget.disconnect(Object.assign(new Error(widget.tr(GONE_TEXT)), { status: 0 }));
    widget.clearMessages();
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
    widget.showError("");
    await start();
    ui.input.focus();
  }

  /** Send typed text, or a quick reply's title and payload; on failure the typed text stays in the input. */
  async function send(text, payload, replies) {
    if (!text.trim() || chat.state === "closed") return;
    if (!chat.conversation) await start();
    if (!chat.conversation) return replies && widget.setDisabled(replies, false);
    const seen = chat.liveStates;
    pending += 1;
    ui.send.disabled = true;
    try {
      const data = await widget.deliver(payload === undefined ? { text } : { text, payload });
      if (payload === undefined && ui.input.value === text) ui.input.value = "";
      widget.showError("");
      (data.messages || []).forEach(widget.addMessage);
      if (seen === chat.liveStates) setState(data.state);
    } catch (error) {
      if (replies) widget.setDisabled(replies, false);
      const gone = dropIfGone(error);
      if (gone) await starting; // a new chat is starting; then say why this message did not go
      widget.showError(gone ? widget.tr(GONE_TEXT) : error.message);
      if (error.status === 409) widget.fetchMissed(); // the chat has ended meanwhile: show that
    } finally {
      pending -= 1;
      ui.send.disabled = pending > 0 || chat.state === "closed";
    }
  }

  /** Reflect the conversation's state in the header, the form and the controls. */
  function setState(next) {
    if (!STATE_TEXT[next]) return;
    const closing = next === "closed" && chat.state !== "closed";
    const hadFocus = document.activeElement === ui.input || document.activeElement === ui.end;
    chat.state = next;
    widget.label(ui.state, STATE_TEXT[next]);
    ui.input.disabled = next === "closed";
    ui.send.disabled = next === "closed" || pending > 0;
    ui.end.hidden = next === "closed";
    ui.restart.hidden = next !== "closed";
    if (!closing) return;
    widget.setDisabled(ui.messages, true);
    if (hadFocus) ui.restart.focus();
    offerSurvey();
  }

  /** Once per chat, when it closes: the survey card (widget_survey.js), answered through the customer API. */
  function offerSurvey() {
    const current = chat.conversation;
    if (!current || chat.state !== "closed" || !window.SwarmdeskSurvey) return;
    if (widget.load("localStorage", SURVEYED_KEY) === current.conversation_id) return;
    widget.save("localStorage", SURVEYED_KEY, current.conversation_id);
    const answer = (question, score) => widget.api("POST", widget.path("/survey"), { question, score });
    window.SwarmdeskSurvey.show(ui.survey, answer, widget.tr);
  }

  /** Put "End chat" back to its resting label. */
  function disarmEnd() {
    clearTimeout(endArmed);
    endArmed = 0;
    widget.label(ui.end, N_("End chat"));
  }

  /** "End chat" without confirm(): a second click within 3 s ends the conversation. */
  async function confirmEnd() {
    if (!chat.conversation || chat.state === "closed") return;
    if (!endArmed) {
      widget.label(ui.end, N_("Click again to end"));
      endArmed = setTimeout(disarmEnd, 3000);
      return;
    }
    disarmEnd();
    try {
      const data = await widget.api("POST", widget.path("/end"));
      widget.showError("");
      setState(data.state || "closed");
      widget.fetchMissed(); // pick up a closing system message, if the server wrote one
    } catch (error) {
      if (!dropIfGone(error)) widget.showError(error.message);
    }
  }

  return { storedConversation, forgetMe, start, dropIfGone, restart, send, setState, offerSurvey, confirmEnd };
};
