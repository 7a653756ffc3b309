/* "Swarms": my invitations (accept or decline) and my rooms, refreshed every few seconds. */
(() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);

  /** Show (or with "" clear) a message in the error line. */
  function showError(text) {
    $("swarms-error").textContent = text;
    $("swarms-error").hidden = !text;
  }

  async function answer(id, choice) {
    try {
      const done = await api("POST", `/api/swarms/invitations/${id}/${choice}`);
      if (choice === "accept") location.assign(done.url);
      else refresh();
    } catch (error) {
      showError(error.message);
      refresh();
    }
  }

  function invitationRow(invitation) {
    const item = el("li", "row");
    item.append(el("strong", "", "Swarm on " + invitation.case_number));
    const accept = el("button", "", "Accept");
    accept.addEventListener("click", () => answer(invitation.id, "accept"));
    const decline = el("button", "secondary", "Decline");
    decline.addEventListener("click", () => answer(invitation.id, "decline"));
    item.append(accept, decline);
    return item;
  }

  function roomRow(room) {
    const item = el("li", "row");
    const link = el("a", "", `${room.case_number} · owner ${room.owner} · ${room.status}`);
    link.href = "/swarms/" + room.id;
    item.append(link);
    return item;
  }

  async function refresh() {
    try {
      const data = await api("GET", "/api/swarms/mine");
      showError("");
      $("invitations").replaceChildren(...(data.invitations.length ? data.invitations.map(invitationRow) : [el("li", "muted", "None waiting.")]));
      $("rooms").replaceChildren(...(data.rooms.length ? data.rooms.map(roomRow) : [el("li", "muted", "None yet.")]));
      $("counts").textContent = `Swarms joined: ${data.counts.swarms_joined} · answers accepted: ${data.counts.answers_accepted}`;
    } catch (error) {
      showError("Can't reach Swarmdesk: " + error.message);
    }
  }

  refresh();
  setInterval(refresh, 5000);
})();
