/* /analytics: reads /api/analytics/* for the chosen period and channel, draws the charts with the vendored
   Chart.js, and lists the conversations or cases behind a clicked point. Text is set with textContent only. */
(() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const OUTCOME_COLOURS = {
    contained: "#1a7f37", recontacted: "#bf8700", handed_off: "#2448b8", unresolved: "#a4161a", pending: "#98a2b3",
  };
  let drill = null; // {metric, bucket, from, to, page}

  function query(extra) {
    const params = new URLSearchParams({ from: $("from").value, to: $("to").value, channel: $("channel").value });
    Object.entries(extra || {}).forEach(([k, v]) => params.set(k, v));
    return params.toString();
  }

  const get = (view, extra) => api("GET", "/api/analytics/" + view + "?" + query(extra));
  const percent = (figure) => (figure.value === null ? "–" : Math.round(figure.value * 1000) / 10 + " %");
  const seconds = (s) => (s === null || s === undefined ? "–" : s < 120 ? Math.round(s) + " s" : Math.round(s / 60) + " min");
  const label = (text) => text.replaceAll("_", " ");

  /** Draw (or redraw) one chart; a click on a bar calls `open(index, datasetIndex)`. */
  function draw(id, type, data, open, options) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart($(id), {
      type,
      data,
      options: Object.assign(
        {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          onClick: (event, elements) => {
            if (elements.length) open(elements[0].index, elements[0].datasetIndex);
          },
          onHover: (event, elements) => {
            event.native.target.style.cursor = elements.length ? "pointer" : "default";
          },
        },
        options || {}
      ),
    });
  }

  function headline(overview) {
    const figures = [
      ["Conversations", String(overview.conversations)],
      ["Contained", percent(overview.contained)],
      ["Deflected (no handoff, no feedback)", percent(overview.deflected)],
      ["Handed off", percent(overview.handed_off)],
      ["Median time to a person", seconds(overview.wait_median_seconds)],
      ["Unanswered questions", String(overview.unanswered_questions)],
    ];
    $("headline").replaceChildren(
      ...figures.map(([name, value]) => {
        const box = el("div", "figure");
        box.append(el("strong", "", value), el("span", "muted", name));
        return box;
      })
    );
  }

  function trend(data) {
    const outcomes = ["contained", "recontacted", "handed_off", "unresolved", "pending"];
    draw(
      "chart-trend",
      "bar",
      {
        labels: data.trend.map((d) => d.day),
        datasets: outcomes.map((o) => ({
          label: label(o), data: data.trend.map((d) => d[o]), backgroundColor: OUTCOME_COLOURS[o],
        })),
      },
      (index, dataset) => {
        const day = data.trend[index].day;
        openDrill("outcome", outcomes[dataset], label(outcomes[dataset]) + " on " + day, day, day);
      },
      { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
    );
  }

  function handoffs(data) {
    const reasons = data.by_reason;
    draw(
      "chart-reasons",
      "bar",
      { labels: reasons.map((r) => label(r.reason)), datasets: [{ label: "Handoffs", data: reasons.map((r) => r.numerator), backgroundColor: "#2448b8" }] },
      (index) => openDrill("handoff", reasons[index].reason, "Handed off: " + label(reasons[index].reason))
    );
    $("note-reasons").textContent = "Handoff rate " + percent(data.rate) + " (" + data.rate.numerator + " of " +
      data.rate.denominator + " conversations); abandoned while waiting " + percent(data.abandoned) + ".";
    const buckets = data.wait.distribution;
    draw(
      "chart-wait",
      "bar",
      { labels: buckets.map((b) => b.bucket), datasets: [{ label: "Conversations", data: buckets.map((b) => b.count), backgroundColor: "#6941c6" }] },
      (index) => openDrill("wait", buckets[index].bucket, "Waited " + buckets[index].bucket)
    );
    $("note-wait").textContent = "Median " + seconds(data.wait.median_seconds) + ", p90 " + seconds(data.wait.p90_seconds) +
      "; handle time median " + seconds(data.handle.median_seconds) + "; hops per held conversation " +
      (data.hops.average.value ?? "–") + "; reopened " + percent(data.reopened) + ".";
  }

  function swarms(data) {
    const groups = data.resolution;
    const hours = (side) => groups.map((g) => (g[side] ? Math.round(g[side].average_seconds / 360) / 10 : null)); // no cases: no bar
    const name = (g) => g.priority + (g.tags ? " · " + g.tags : "");
    draw(
      "chart-swarms",
      "bar",
      {
        labels: groups.map(name),
        datasets: [
          { label: "With a swarm", data: hours("swarm"), backgroundColor: "#b54708" },
          { label: "Without", data: hours("no_swarm"), backgroundColor: "#98a2b3" },
        ],
      },
      (index, dataset) => {
        const side = dataset === 0 ? "swarm" : "no_swarm";
        const g = groups[index];
        openDrill("resolution", side + "|" + g.priority + "|" + g.tags, "Resolved " + (dataset === 0 ? "with" : "without") + " a swarm: " + name(g));
      }
    );
    const people = data.answers_accepted.slice(0, 3).map((p) => p.name + " " + p.answers_accepted).join(", ");
    $("note-swarms").textContent = data.started + " swarms, " + (data.started_per_100_cases.value ?? "–") +
      " per 100 cases; first expert after " + seconds(data.first_expert.median_seconds) + " (median); " +
      (data.experts_per_swarm.value ?? "–") + " experts per swarm" + (people ? "; answers accepted: " + people : "") + ".";
  }

  function surveys(data) {
    const kinds = ["csat", "ces"];
    draw(
      "chart-surveys",
      "bar",
      {
        labels: kinds.map((k) => k.toUpperCase() + " (response rate " + percent(data.surveys[k].response_rate) + ")"),
        datasets: [{ label: "Average", data: kinds.map((k) => data.surveys[k].average.value || 0), backgroundColor: ["#1a7f37", "#0e7090"] }],
      },
      (index) => openDrill("survey", kinds[index], kinds[index].toUpperCase() + " answers"),
      { scales: { y: { beginAtZero: true, suggestedMax: 7 } } }
    );
    $("note-surveys").textContent = kinds.map((k) => k.toUpperCase() + ": " + data.surveys[k].response_rate.numerator +
      " answers of " + data.surveys[k].response_rate.denominator + " asked").join("; ") + ".";
  }

  function helpful(data) {
    const worst = data.worst_helpful;
    draw(
      "chart-helpful",
      "bar",
      {
        labels: worst.map((a) => a.title),
        datasets: [{
          label: "Helpful rate (%)", data: worst.map((a) => Math.round(a.helpful_rate.value * 100)), backgroundColor: "#a4161a",
          minBarLength: 4, // a rate of 0 % is the worst of all: it keeps a bar to click
        }],
      },
      (index) => openDrill("article", worst[index].article_id, "Answered with " + worst[index].title),
      { indexAxis: "y", scales: { x: { beginAtZero: true, max: 100 } } }
    );
    $("note-helpful").textContent = data.answers + " answers served, " + data.clarifications + " clarifications, " +
      data.not_found + " not found; " + data.from_cases.length + " articles drafted from cases.";
  }

  function clusters(data) {
    const rows = data.clusters.map((cluster) => {
      const item = el("li");
      const open = el("button", "secondary", cluster.count + " × " + cluster.label);
      open.type = "button";
      open.addEventListener("click", () => openDrill("unanswered", String(cluster.cluster), "Asked: " + cluster.label));
      item.append(open);
      cluster.examples.forEach((text) => item.append(el("q", "", text)));
      const draft = el("button", "", cluster.draft_article_id ? "Drafted: " + cluster.draft_article_id : "Draft an article");
      draft.type = "button";
      draft.disabled = Boolean(cluster.draft_article_id);
      draft.addEventListener("click", () => draftArticle(cluster, draft));
      item.append(" ", draft);
      return item;
    });
    $("clusters").replaceChildren(...(rows.length ? rows : [el("li", "muted", "No unanswered questions in this period.")]));
  }

  async function draftArticle(cluster, button) {
    try {
      const made = await api("POST", "/api/analytics/unanswered/" + cluster.cluster + "/draft");
      button.textContent = "Drafted: " + made.article_id;
      button.disabled = true;
      $("draft-status").textContent = "Draft “" + made.title + "” is in the knowledge base editor for an editor to finish.";
    } catch (error) {
      $("draft-status").textContent = error.message;
    }
  }

  async function openDrill(metric, bucket, title, from, to) {
    drill = { metric, bucket, from: from || $("from").value, to: to || $("to").value, page: 1, title };
    $("drill-rows").replaceChildren();
    await loadDrill();
    $("drill").hidden = false;
    $("drill-title").focus();
  }

  async function loadDrill() {
    const params = new URLSearchParams({ metric: drill.metric, bucket: drill.bucket, from: drill.from, to: drill.to, channel: $("channel").value, page: drill.page });
    const data = await window.Staff.attempt($("analytics-error"), () => api("GET", "/api/analytics/conversations?" + params));
    if (!data) return;
    $("drill-title").textContent = drill.title + " — " + data.total + " found";
    const rows = data.items.map((item) => {
      const row = el("li");
      const link = el("a", "", (item.kind === "case" ? "Case " : "Conversation ") + item.id);
      link.href = item.link;
      row.append(link, el("span", "", item.customer), el("span", "muted", item.outcome.replaceAll("_", " ")));
      if (item.when) row.append(window.Staff.when(item.when));
      return row;
    });
    if (!rows.length && drill.page === 1) rows.push(el("li", "muted", "Nothing behind this point."));
    $("drill-rows").append(...rows);
    $("drill-more").hidden = drill.page * data.page_size >= data.total;
  }

  async function load() {
    const data = await window.Staff.attempt($("analytics-error"), async () => {
      const views = ["overview", "containment", "handoffs", "swarms", "surveys", "knowledge", "unanswered"];
      return Object.fromEntries(await Promise.all(views.map(async (v) => [v, await get(v)])));
    });
    if (!data) return;
    $("empty").hidden = !data.overview.empty;
    headline(data.overview);
    trend(data.containment);
    handoffs(data.handoffs);
    swarms(data.swarms);
    surveys(data.surveys);
    helpful(data.knowledge);
    clusters(data.unanswered);
    $("export-figures").href = "/api/analytics/export/figures.csv?" + query();
    $("export-events").href = "/api/analytics/export/events.csv?" + query();
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    $("drill").hidden = true;
    load();
  });
  $("drill-more").addEventListener("click", () => {
    drill.page += 1;
    loadDrill();
  });
  load();
})();
