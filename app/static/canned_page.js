/* /desk/canned: list, add, edit and delete canned replies through /api/canned. An agent changes their own; an admin
   the team's too. Every text is set with textContent (never parsed as HTML). */
(() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const admin = document.querySelector(".canned-page").dataset.admin === "yes";
  const attempt = (action) => window.Staff.attempt($("canned-error"), action);
  let editing = null; // the id of the reply in the form, or null when adding

  /** Who a reply is for, in words. */
  function audience(reply) {
    if (reply.share === "private") return "Only you";
    return reply.share === "skill" ? "Agents with the skill " + reply.skill : "Everyone on the team";
  }

  function row(reply) {
    const item = el("li");
    item.dataset.replyId = String(reply.id);
    item.append(el("strong", "", reply.title), " ", el("span", "role", audience(reply)), el("p", "", reply.text));
    if (reply.editable) {
      const edit = el("button", "secondary", "Edit");
      edit.type = "button";
      edit.setAttribute("aria-label", "Edit " + reply.title);
      edit.addEventListener("click", () => startEdit(reply));
      const remove = el("button", "secondary", "Delete");
      remove.type = "button";
      remove.setAttribute("aria-label", "Delete " + reply.title);
      remove.addEventListener("click", () => removeReply(reply));
      item.append(edit, " ", remove);
    }
    return item;
  }

  async function load() {
    const data = await attempt(() => api("GET", "/api/canned"));
    if (!data) return;
    const rows = data.replies.map(row);
    $("canned-rows").replaceChildren(...(rows.length ? rows : [el("li", "muted", "No canned replies yet.")]));
  }

  function showSkill() {
    if (admin) $("canned-skill-field").hidden = $("canned-share").value !== "skill";
  }

  function startEdit(reply) {
    editing = reply.id;
    $("canned-title").value = reply.title;
    $("canned-text").value = reply.text;
    if (admin) {
      $("canned-share").value = reply.share;
      $("canned-skill").value = reply.skill || "";
      showSkill();
    }
    $("canned-form-title").textContent = "Edit “" + reply.title + "”";
    $("canned-save").textContent = "Save changes";
    $("canned-cancel").hidden = false;
    $("canned-status").textContent = "";
    $("canned-title").focus();
  }

  function resetForm() {
    editing = null;
    $("canned-form").reset();
    showSkill();
    $("canned-form-title").textContent = "Add a reply";
    $("canned-save").textContent = "Add reply";
    $("canned-cancel").hidden = true;
  }

  async function removeReply(reply) {
    if (!window.confirm("Delete the canned reply “" + reply.title + "”?")) return;
    $("canned-error").hidden = true;
    try {
      await api("DELETE", "/api/canned/" + reply.id);
    } catch (error) {
      $("canned-error").textContent = error.message;
      $("canned-error").hidden = false;
      return;
    }
    if (editing === reply.id) resetForm();
    load();
  }

  $("canned-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { title: $("canned-title").value, text: $("canned-text").value, share: "private" };
    if (admin) {
      body.share = $("canned-share").value;
      if (body.share === "skill") body.skill = $("canned-skill").value.trim();
    }
    const status = $("canned-status");
    try {
      const saved = await api(editing ? "PUT" : "POST", "/api/canned" + (editing ? "/" + editing : ""), body);
      status.textContent = (editing ? "Saved “" : "Added “") + saved.title + "”.";
      status.classList.remove("error");
      resetForm();
      load();
    } catch (error) {
      status.textContent = error.message;
      status.classList.add("error");
    }
  });
  $("canned-cancel").addEventListener("click", resetForm);
  if (admin) $("canned-share").addEventListener("change", showSkill);
  load();
})();
