// The admin people page: add and edit staff accounts, and end their sign-ins and API tokens, through the JSON
// admin API (/api/admin/users).
(() => {
  "use strict";

  const page = document.querySelector(".people-page");
  const csrf = page.dataset.csrf;
  const rows = document.getElementById("people-rows");
  const rowTemplate = document.getElementById("person-row");

  /** Split a comma- or space-separated field into words. */
  function words(text) {
    return text.split(/[\s,]+/).filter(Boolean);
  }

  /** The fields both forms share, read as the API expects them. */
  function commonFields(form) {
    const data = new FormData(form);
    return {
      display_name: data.get("display_name"),
      roles: data.getAll("roles"),
      skills: words(data.get("skills")),
      capacity: Number(data.get("capacity")),
    };
  }

  /** The API's reason for a failed request: a validation error names each field. */
  function reason(status, body) {
    const detail = body && body.detail;
    if (Array.isArray(detail)) {
      return detail.map((error) => `${error.loc[error.loc.length - 1]}: ${error.msg}`).join("; ");
    }
    return typeof detail === "string" ? detail : `the server answered ${status}`;
  }

  /** Send JSON to the admin API; resolves to the answer's body, or rejects with the reason. */
  async function send(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    }).catch(() => {
      throw new Error("Could not reach the server; try again.");
    });
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new Error(reason(response.status, answer));
    return answer;
  }

  /** Show a message under a form (as an error or a confirmation). */
  function say(form, text, isError) {
    const status = form.querySelector(".form-status");
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  /** Replace a cell's content with one span per word ("none" when empty). */
  function fillWords(cell, items, className) {
    const spans = items.map((item) => {
      const span = document.createElement("span");
      span.className = className;
      span.textContent = item;
      return span;
    });
    if (!spans.length) {
      spans.push(document.createElement("span"));
      spans[0].className = "muted";
      spans[0].textContent = "none";
    }
    cell.replaceChildren(...spans.flatMap((span) => [span, " "]));
  }

  /** Show an account in its row: the cells and the edit form's values. */
  function fillRow(row, user) {
    const cell = (field) => row.querySelector(`[data-field="${field}"]`);
    row.dataset.userId = user.id;
    row.classList.toggle("inactive", !user.active);
    cell("display_name").textContent = user.display_name;
    cell("email").textContent = user.email;
    fillWords(cell("roles"), user.roles, "role");
    fillWords(cell("skills"), user.skills, "skill");
    cell("capacity").textContent = String(user.capacity);
    cell("active").textContent = user.active ? "active" : "inactive";
    const form = row.querySelector("form");
    form.elements.display_name.value = user.display_name;
    form.querySelectorAll('input[name="roles"]').forEach((box) => {
      box.checked = user.roles.includes(box.value);
    });
    form.elements.skills.value = user.skills.join(" ");
    form.elements.capacity.value = String(user.capacity);
    form.elements.active.checked = user.active;
  }

  /** Save an edit form and show the result in its row. */
  async function saveEdit(form) {
    const row = form.closest("tr");
    const body = { ...commonFields(form), active: form.elements.active.checked };
    const user = await send("PATCH", `/api/admin/users/${row.dataset.userId}`, body);
    fillRow(row, user);
    say(form, "Saved.", false);
  }

  /** Lift the sign-in lockout of the account in the form's row. */
  async function clearLockout(form) {
    const row = form.closest("tr");
    await send("DELETE", `/api/admin/users/${row.dataset.userId}/login-throttle`);
    say(form, "Sign-in lockout cleared.", false);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.unlock");
    if (!button) return;
    const form = button.closest("form");
    say(form, "", false);
    await clearLockout(form).catch((error) => say(form, error.message, true));
  });

  /** One line of the access list: what it is, and a button that ends it. */
  function accessItem(text, buttonLabel, url, done) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = text;
    const end = document.createElement("button");
    end.type = "button";
    end.className = "end-access";
    end.textContent = buttonLabel;
    end.dataset.url = url;
    end.dataset.done = done;
    item.append(label, " ", end);
    return item;
  }

  /** Show the live sign-ins and the API tokens of the account in the box's row. */
  async function showAccess(box) {
    const user = box.closest("tr").dataset.userId;
    const base = `/api/admin/users/${user}`;
    const [signIns, tokens] = await Promise.all([send("GET", `${base}/sessions`), send("GET", `${base}/tokens`)]);
    const when = (iso) => new Date(iso).toLocaleString();
    const items = [
      ...signIns.map((s) =>
        accessItem(`Signed in ${when(s.created_at)} · ${s.client || "unknown browser"}`, "Sign out",
          `${base}/sessions/${s.id}`, "Signed out."),
      ),
      ...tokens.map((t) =>
        accessItem(`API token “${t.name}” · issued ${when(t.created_at)}`, "Revoke", `${base}/tokens/${t.id}`,
          "Token revoked."),
      ),
    ];
    const list = box.querySelector(".access-list");
    list.replaceChildren(...items);
    list.hidden = false;
    return items.length ? "" : "No sign-ins and no API tokens.";
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.show-access, button.end-access");
    if (!button) return;
    const box = button.closest(".access");
    const status = box.querySelector(".access-status");
    status.classList.remove("error");
    button.disabled = true;
    try {
      if (button.classList.contains("show-access")) {
        status.textContent = await showAccess(box);
      } else {
        await send("DELETE", button.dataset.url);
        button.closest("li").remove();
        status.textContent = button.dataset.done;
      }
    } catch (error) {
      status.textContent = error.message;
      status.classList.add("error");
    } finally {
      button.disabled = false;
    }
  });

  /** Create an account from the add form and append its row. */
  async function addPerson(form) {
    const data = new FormData(form);
    const body = { ...commonFields(form), email: data.get("email"), password: data.get("password") };
    const user = await send("POST", "/api/admin/users", body);
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    fillRow(row, user);
    rows.append(row);
    form.reset();
    say(form, `Added ${user.display_name}.`, false);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const action = form.id === "person-add" ? addPerson : form.classList.contains("person-edit") ? saveEdit : null;
    if (!action) return;
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    say(form, "", false);
    try {
      await action(form);
    } catch (error) {
      say(form, error.message, true);
    } finally {
      button.disabled = false;
    }
  });
})();
