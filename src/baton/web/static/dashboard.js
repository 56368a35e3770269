// The handoff-quality dashboard: figures from /api/console/metrics, charts drawn as SVG.
// Every text that came from a customer is set with textContent, never as markup.
(function () {
  "use strict";
  const REASONS = ["explicit_request", "knowledge_gap", "emotional", "complex_issue", "high_value"];
  const COLOURS = ["#2f6f9f", "#d4a017", "#c0392b", "#6c5b7b", "#2e8b57"];
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const hours = (s) => (s === null || s === undefined ? "—" : (s / 3600).toFixed(1) + " h");
  const share = (v) => (v === null || v === undefined ? "—" : Math.round(v * 100) + "%");

  function card(label, value, warn) {
    const box = document.createElement("div");
    box.className = "card" + (warn ? " warn" : "");
    const v = document.createElement("div");
    v.className = "value";
    v.textContent = value;
    const l = document.createElement("div");
    l.className = "label";
    l.textContent = label;
    box.append(v, l);
    return box;
  }

  function stackedBars(target, rows) {
    const width = 900, height = 260, left = 36, bottom = 24;
    const totals = rows.map((r) => REASONS.reduce((sum, k) => sum + (r[k] || 0), 0));
    const max = Math.max(4, ...totals); // at least 4, so the axis shows whole numbers
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Escalation reasons over time" });
    const step = (width - left) / Math.max(1, rows.length);
    for (let i = 0; i <= 4; i++) {
      const y = height - bottom - ((height - bottom - 10) * i) / 4;
      svg.append(el("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#eaeef2" }));
      svg.append(el("text", { x: 0, y: y + 4, "font-size": 11, fill: "#57606a" }, String(Math.round((max * i) / 4))));
    }
    rows.forEach((row, i) => {
      let y = height - bottom;
      REASONS.forEach((reason, r) => {
        const h = ((height - bottom - 10) * (row[reason] || 0)) / max;
        if (h > 0) {
          const rect = el("rect", { x: left + i * step + 1, y: y - h, width: Math.max(1, step - 2), height: h, fill: COLOURS[r] });
          rect.append(el("title", {}, `${row.start} ${reason}: ${row[reason]}`));
          svg.append(rect);
        }
        y -= h;
      });
      if (rows.length <= 16 || i % Math.ceil(rows.length / 12) === 0) {
        svg.append(el("text", { x: left + i * step, y: height - 6, "font-size": 10, fill: "#57606a" }, row.start.slice(5)));
      }
    });
    target.replaceChildren(svg);
    $("legend").replaceChildren(...REASONS.map((reason, r) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.style.background = COLOURS[r];
      li.append(swatch, reason.replace("_", " "));
      return li;
    }));
  }

  function horizontalBars(target, entries, format, max) {
    const width = 520, row = 26, left = 130;
    const svg = el("svg", { viewBox: `0 0 ${width} ${Math.max(1, entries.length) * row + 6}`, role: "img" });
    const top = max || Math.max(1e-9, ...entries.map(([, v]) => v || 0));
    entries.forEach(([label, value], i) => {
      const w = ((width - left - 60) * (value || 0)) / top;
      svg.append(el("text", { x: 0, y: i * row + 17, "font-size": 12, fill: "#1f2328" }, label.replace("_", " ")));
      svg.append(el("rect", { x: left, y: i * row + 5, width: Math.max(0, w), height: 16, rx: 3, fill: "#2f6f9f" }));
      svg.append(el("text", { x: left + w + 6, y: i * row + 17, "font-size": 12, fill: "#57606a" }, format(value)));
    });
    target.replaceChildren(svg);
  }

  function render(report) {
    const fr = report.first_response;
    $("cards").replaceChildren(
      card("conversations", String(report.conversations)),
      card("handoffs", String(report.handoffs)),
      card("escalation rate", share(report.rates.escalation_rate)),
      card("bot containment", share(report.rates.containment_rate)),
      card("first response, median", hours(fr.median_business_seconds)),
      card("first response, p90", hours(fr.p90_business_seconds)),
      card("within 2 h target", share(fr.share_within_target)),
      card("over 4 h", String(fr.over_business), fr.over_business > 0),
      card("promises kept", share(report.promises.share_kept), (report.promises.share_kept || 1) < 0.9),
      card("rated good", share(report.satisfaction.positive_rate)),
      card("rating response rate", share(report.satisfaction.response_rate)),
      card("repeat contact", share(report.repeat_contact.rate)),
    );
    stackedBars($("reasons-chart"), report.reasons_over_time.rows);
    const byReason = report.first_response_by.reason;
    horizontalBars($("fr-reason"), Object.entries(byReason).map(([k, v]) => [k, v.median_business_seconds]), hours);
    horizontalBars($("csat-reason"), Object.entries(report.satisfaction_by_reason).map(([k, v]) => [k, v.positive_rate]), share, 1);
    const body = $("fr-table").querySelector("tbody");
    body.replaceChildren();
    ["model", "agent"].forEach((by) => {
      Object.entries(report.first_response_by[by]).forEach(([key, v]) => {
        const tr = document.createElement("tr");
        [`${by}: ${key}`, v.count, hours(v.median_business_seconds), hours(v.p90_business_seconds), share(v.share_within_target), v.over_business]
          .forEach((cell) => { const td = document.createElement("td"); td.textContent = String(cell); tr.append(td); });
        body.append(tr);
      });
    });
    $("questions").replaceChildren(...report.unanswered_questions.map((g) => {
      const li = document.createElement("li");
      li.textContent = `${g.example} (${g.count})`;
      return li;
    }));
    const late = report.over_4h.slice(0, 15);
    $("late").replaceChildren(...late.map((h) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/console#" + encodeURIComponent(h.conversation_id);
      a.textContent = h.summary || h.conversation_id;
      li.append(a);
      return li;
    }));
    if (report.over_4h.length > late.length) {
      const more = document.createElement("li");
      more.textContent = `… and ${report.over_4h.length - late.length} more (see the CSV export)`;
      $("late").append(more);
    }
  }

  async function load() {
    const params = new URLSearchParams();
    if ($("start").value) params.set("start", $("start").value);
    if ($("end").value) params.set("end", $("end").value);
    $("csv").href = "/api/console/metrics.csv?" + params;
    $("json").href = "/api/console/metrics?" + params;
    const response = await fetch("/api/console/metrics?" + params, { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/console"; return; }
    const data = await response.json();
    if (!response.ok) {
      $("error").textContent = data.error ? data.error.message : "could not load the figures";
      $("error").hidden = false;
      return;
    }
    $("error").hidden = true;
    render(data);
  }

  const today = new Date();
  $("end").value = today.toISOString().slice(0, 10);
  $("start").value = new Date(today.getTime() - 29 * 86400000).toISOString().slice(0, 10);
  $("range").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  load();
})();
