/*
 * Baton agent console: a small single-page app over the console API and /ws/console.
 *
 * Everything a customer (or anyone) typed is put on the page with textContent only; the only
 * markup this file writes is its own, fixed.
 */
(function () {
  "use strict";

  const VIEWS = ["queue", "mine", "tickets", "open"];
  const STATE_LABELS = {
    bot: "With the bot",
    offered: "Human offered",
    collecting: "Asking for email",
    queued: "Waiting in queue",
    agent: "Live with agent",
    ticket: "Email ticket",
    resolved: "Resolved",
  };
  const REASON_LABELS = {
    explicit_request: "asked for a person",
    knowledge_gap: "bot didn't know",
    emotional: "frustrated",
    complex_issue: "complex issue",
    high_value: "high value",
  };
  const PROMISE_WARN_MINUTES = 15;
  const TYPING_EVERY_MS = 3000;
  const CUSTOMER_TYPING_SHOWN_MS = 6000;
  const LAST_EVENT_KEY = "baton-console:last_event_id";

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  let me = null; // {id, name, email, role, presence}
  let csrf = "";
  let view = "queue";
  const lists = { queue: [], mine: [], tickets: [], open: [] };
  let agents = [];
  let selectedId = null;
  let detail = null; // the selected conversation as GET /conversations/{id} returns it
  const shownMessages = new Set();
  const unread = new Set(); // conversations with customer messages not looked at yet
  const pageOpenedAt = Date.now();
  let socket = null;
  let backoff = 1;
  let reconnectTimer = null;
  let pingTimer = null;
  // The agent is at the console (a key, a click): sent at most once a minute, so the server
  // can tell an agent who walked away from one who is reading.
  let lastActiveSent = 0;
  function sendActive() {
    const now = Date.now();
    if (!socket || socket.readyState !== WebSocket.OPEN || now - lastActiveSent < 60000) return;
    lastActiveSent = now;
    socket.send(JSON.stringify({ type: "active" }));
  }
  ["keydown", "pointerdown", "focus"].forEach((name) =>
    window.addEventListener(name, sendActive, { passive: true }),
  );
  let lastEventId = Number(sessionStorage.getItem(LAST_EVENT_KEY) || 0);
  const seenEvents = new Set(); // event ids already handled
  let lastTypingSent = 0;
  let typingTimer = null;
  let titleCount = 0;
  let audio = null; // AudioContext, made after the first user interaction
  let refreshTimer = null;
  const toAnnounce = new Map(); // conversation id -> handoff event data, not yet announced

  // ---------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || "request failed");
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const detail = (data && data.error) || {};
      const error = new ApiError(response.status, detail.code || "error", detail.message);
      if (response.status === 401 && path !== "/api/console/login") showSignIn();
      throw error;
    }
    return data;
  }

  function report(err) {
    toast(err instanceof ApiError ? err.message : "Could not reach Baton. Try again.", "error");
  }

  // ---------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------

  /** An element with a class and text; text is always textContent. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clock(iso) {
    const date = new Date(iso);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function dayAndClock(iso) {
    const date = new Date(iso);
    const today = new Date();
    if (date.toDateString() === today.toDateString()) return clock(iso);
    return (
      date.toLocaleDateString([], { day: "numeric", month: "short" }) + ", " + clock(iso)
    );
  }

  function minutesSince(iso) {
    return Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  }

  function duration(minutes) {
    if (minutes < 1) return "less than a minute";
    if (minutes < 60) return minutes + " min";
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    if (hours < 24) return hours + " h" + (rest ? " " + rest + " min" : "");
    return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
  }

  /** The promise as a short line, and how close it is to breaking. */
  function promiseInfo(row) {
    if (!row.promised_by || row.state === "resolved") return null;
    const due = new Date(row.promised_by).getTime();
    const left = Math.round((due - Date.now()) / 60000);
    if (left < 0) return { text: "promise missed " + duration(-left) + " ago", level: "broken" };
    const text = "promised by " + dayAndClock(row.promised_by);
    if (left <= PROMISE_WARN_MINUTES) return { text: text + " · " + duration(left) + " left", level: "close" };
    return { text, level: "ok" };
  }

  function reasonChip(reason) {
    const chip = el("span", "chip reason-" + reason, REASON_LABELS[reason] || reason);
    chip.title = reason;
    return chip;
  }

  function safeHttpUrl(text) {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Notices: toasts, the title badge, a short beep
  // ---------------------------------------------------------------------------------------

  function toast(text, kind, onClick, conversationId) {
    const box = el("div", "toast " + (kind || "info"));
    if (conversationId) box.dataset.conversation = conversationId;
    const body = el("span", "toast-text", text);
    box.appendChild(body);
    if (onClick) {
      box.classList.add("clickable");
      box.tabIndex = 0;
      box.setAttribute("role", "button");
      box.addEventListener("click", () => {
        onClick();
        box.remove();
      });
      box.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onClick();
          box.remove();
        }
      });
    }
    const close = el("button", "toast-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", (event) => {
      event.stopPropagation();
      box.remove();
    });
    box.appendChild(close);
    $("toasts").appendChild(box);
    setTimeout(() => box.remove(), kind === "error" ? 8000 : 12000);
  }

  function bumpTitle() {
    titleCount += 1;
    document.title = "(" + titleCount + ") Baton console";
  }

  function clearTitle() {
    titleCount = 0;
    document.title = "Baton console";
  }

  // Browsers only allow sound after the person has interacted with the page.
  function unlockAudio() {
    if (audio) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = new Context();
    } catch (err) {
      audio = null;
    }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function beep() {
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      const now = audio.currentTime;
      [0, 0.16].forEach((offset, index) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = index === 0 ? 880 : 1175;
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.18, now + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.14);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + offset);
        osc.stop(now + offset + 0.15);
      });
    } catch (err) {
      /* no sound is fine */
    }
  }

  window.addEventListener("focus", clearTitle);

  // ---------------------------------------------------------------------------------------
  // Sign-in
  // ---------------------------------------------------------------------------------------

  function showSignIn() {
    closeSocket();
    me = null;
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-email").focus();
  }

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("signin-error");
    error.hidden = true;
    const email = $("signin-email").value.trim();
    const password = $("signin-password").value;
    if (!email || !password) {
      error.textContent = "Enter your email and password.";
      error.hidden = false;
      return;
    }
    try {
      const answer = await api("POST", "/api/console/login", { email, password });
      $("signin-password").value = "";
      startConsole(answer);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        error.textContent = "Wrong email or password.";
      } else if (err instanceof ApiError && err.status === 429) {
        error.textContent = "Too many attempts. Wait a few minutes and try again.";
      } else {
        error.textContent = err instanceof ApiError ? err.message : "Could not reach Baton.";
      }
      error.hidden = false;
    }
  });

  $("signout").addEventListener("click", async () => {
    try {
      await api("POST", "/api/console/logout", {});
    } catch (err) {
      /* signed out either way */
    }
    sessionStorage.removeItem(LAST_EVENT_KEY);
    showSignIn();
  });

  async function startConsole(answer) {
    me = answer.agent;
    csrf = answer.csrf_token;
    $("signin").hidden = true;
    $("app").hidden = false;
    $("me-name").textContent = me.name;
    $("agents-open").hidden = me.role !== "admin";
    showPresence(me.presence);
    // A console opened afresh starts from now: the lists below already show the present, so
    // old events (and old alerts) are not replayed.
    if (!lastEventId && answer.last_event_id) remember(answer.last_event_id);
    await Promise.all([refreshLists(), loadAgents()]);
    connect();
  }

  // ---------------------------------------------------------------------------------------
  // Presence
  // ---------------------------------------------------------------------------------------

  function showPresence(presence) {
    const input = document.querySelector('input[name="presence"][value="' + presence + '"]');
    if (input) input.checked = true;
    $("presence").dataset.presence = presence;
  }

  $("presence").addEventListener("change", async (event) => {
    const presence = event.target.value;
    const before = me.presence;
    showPresence(presence);
    try {
      await api("POST", "/api/console/presence", { presence });
      me.presence = presence;
    } catch (err) {
      showPresence(before);
      report(err);
    }
  });

  // ---------------------------------------------------------------------------------------
  // Lists
  // ---------------------------------------------------------------------------------------

  async function refreshLists() {
    // Handoffs heard of before this fetch started are in its answer if still open.
    const heard = Array.from(toAnnounce.entries());
    const results = await Promise.all(
      VIEWS.map((name) =>
        api("GET", "/api/console/conversations?view=" + name).then(
          (data) => data.conversations,
          () => null,
        ),
      ),
    );
    VIEWS.forEach((name, index) => {
      if (results[index]) lists[name] = results[index];
    });
    renderLists();
    heard.forEach(([id, data]) => {
      toAnnounce.delete(id);
      if (knownOpen(id)) announceHandoff(id, data);
    });
  }

  /** Refresh soon, once, however many events ask for it. */
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshLists, 150);
  }

  function renderLists() {
    VIEWS.forEach((name) => {
      document.querySelector('[data-count="' + name + '"]').textContent = String(
        lists[name].length,
      );
    });
    const list = $("list");
    list.replaceChildren();
    const rows = lists[view];
    rows.forEach((row) => list.appendChild(listItem(row)));
    $("list-empty").hidden = rows.length > 0;
    $("list-empty").textContent =
      view === "queue" ? "Nobody is waiting. Nice." : "Nothing here right now.";
  }

  function listItem(row) {
    const item = el("li", "conv");
    const button = el("button", "conv-button");
    button.type = "button";
    button.dataset.id = row.id;
    if (row.id === selectedId) button.setAttribute("aria-current", "true");

    const top = el("div", "conv-top");
    const name = el("span", "conv-name", row.customer);
    top.appendChild(name);
    if (unread.has(row.id)) {
      const dot = el("span", "unread-dot");
      dot.setAttribute("aria-label", "new messages");
      top.appendChild(dot);
    }
    top.appendChild(el("span", "pill state-" + row.state, STATE_LABELS[row.state] || row.state));
    button.appendChild(top);

    if (row.summary) button.appendChild(el("p", "conv-summary", row.summary));

    if (row.reasons && row.reasons.length) {
      const chips = el("div", "chips");
      row.reasons.forEach((reason) => chips.appendChild(reasonChip(reason)));
      button.appendChild(chips);
    }

    const meta = el("div", "conv-meta");
    if (row.waiting_since) {
      const waiting = el("span", "waiting");
      waiting.dataset.since = row.waiting_since;
      waiting.textContent = "waiting " + duration(minutesSince(row.waiting_since));
      meta.appendChild(waiting);
    }
    // The promise is about the next human reply: it only presses while the customer waits.
    // (The list does not say whether the first reply went out; a reply clears waiting_since.)
    const promise = row.waiting_since
      ? promiseInfo(row)
      : row.promised_by && row.state !== "resolved"
        ? { text: "promised by " + dayAndClock(row.promised_by), level: "ok" }
        : null;
    if (promise) {
      const p = el("span", "promise promise-" + promise.level, promise.text);
      if (row.waiting_since) p.dataset.promise = row.promised_by;
      meta.appendChild(p);
    }
    if (row.model) meta.appendChild(el("span", "model", row.model === "live" ? "live chat" : "email"));
    button.appendChild(meta);

    button.addEventListener("click", () => select(row.id));
    item.appendChild(button);
    return item;
  }

  function showView(name) {
    view = name;
    document.querySelectorAll(".tab").forEach((tab) => {
      const selected = tab.dataset.view === name;
      tab.setAttribute("aria-selected", String(selected));
      if (selected) $("list").setAttribute("aria-label", tab.firstChild.textContent.trim());
    });
    renderLists();
  }

  document.querySelectorAll(".tab").forEach((tab) => {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  });

  // Waiting times and promises move on by themselves.
  setInterval(() => {
    document.querySelectorAll(".waiting[data-since]").forEach((node) => {
      node.textContent = "waiting " + duration(minutesSince(node.dataset.since));
    });
    document.querySelectorAll(".promise[data-promise]").forEach((node) => {
      const info = promiseInfo({ promised_by: node.dataset.promise, state: "open" });
      if (info) {
        node.textContent = info.text;
        node.className = "promise promise-" + info.level;
      }
    });
  }, 20000);

  // ---------------------------------------------------------------------------------------
  // One conversation
  // ---------------------------------------------------------------------------------------

  function watchSelected() {
    // The server sends a conversation's messages to the agent holding it; this console asks
    // for the one on screen too, whoever holds it.
    if (socket && socket.readyState === WebSocket.OPEN && selectedId) {
      socket.send(JSON.stringify({ type: "watch", conversation_id: selectedId }));
    }
  }

  async function select(id) {
    selectedId = id;
    watchSelected();
    document.querySelectorAll(".toast[data-conversation]").forEach((box) => {
      if (box.dataset.conversation === id) box.remove();
    });
    unread.delete(id);
    clearTitle();
    renderLists();
    try {
      detail = await api("GET", "/api/console/conversations/" + encodeURIComponent(id));
    } catch (err) {
      report(err);
      return;
    }
    if (selectedId !== id) return;
    shownMessages.clear();
    $("transcript").replaceChildren();
    detail.messages.forEach(appendMessage);
    $("thread-empty").hidden = true;
    $("thread").hidden = false;
    $("context").hidden = false;
    $("t-typing").hidden = true;
    $("reply-error").hidden = true;
    renderHead();
    renderContext();
    scrollTranscript();
  }

  async function reloadSelected() {
    if (!selectedId) return;
    try {
      const fresh = await api("GET", "/api/console/conversations/" + encodeURIComponent(selectedId));
      if (fresh.conversation.id !== selectedId) return;
      detail = fresh;
      detail.messages.forEach(appendMessage);
      renderHead();
      renderContext();
    } catch (err) {
      /* the next event will try again */
    }
  }

  function renderHead() {
    const row = detail.conversation;
    $("t-customer").textContent = row.customer;
    const pill = $("t-state");
    pill.className = "pill state-" + row.state;
    pill.textContent = STATE_LABELS[row.state] || row.state;
    $("t-summary").textContent = row.summary || (row.page_title ? "On " + row.page_title : "");
    updateButtons();
  }

  /** Which actions make sense in this state. */
  function updateButtons() {
    const state = detail.conversation.state;
    const mineNow = detail.conversation.agent_id === me.id;
    $("a-claim").disabled = !["queued", "collecting", "ticket"].includes(state);
    $("a-claim").hidden = state === "agent" && mineNow;
    $("a-handback").disabled = state !== "agent";
    $("a-resolve").disabled = !["agent", "ticket"].includes(state);
    const canTransfer = state === "agent";
    fillTransfer();
    $("a-transfer-to").disabled = !canTransfer || $("a-transfer-to").options.length < 2;
    $("a-transfer").disabled = $("a-transfer-to").disabled || !$("a-transfer-to").value;
    const canReply = ["agent", "ticket"].includes(state);
    const note = $("reply-note").checked;
    $("reply-send").disabled = !canReply && !note;
    $("reply-hint").textContent =
      canReply || note
        ? ""
        : state === "resolved"
          ? "Resolved. Notes are still possible."
          : "Claim the conversation to reply, or write a note.";
    $("reply").classList.toggle("is-note", note);
    $("reply-text").placeholder = note
      ? "Write a note for the team (the customer never sees it)…"
      : "Write a reply… (Enter to send, Shift+Enter for a new line)";
  }

  function fillTransfer() {
    const select = $("a-transfer-to");
    const current = select.value;
    select.replaceChildren();
    const holder = detail && detail.conversation.agent_id;
    const others = agents.filter(
      (agent) => agent.active && agent.id !== holder && agent.id !== me.id,
    );
    const prompt = el("option", null, others.length ? "Transfer to…" : "No other agents");
    prompt.value = "";
    select.appendChild(prompt);
    others.forEach((agent) => {
      const option = el("option", null, agent.name + " (" + agent.presence + ")");
      option.value = agent.id;
      select.appendChild(option);
    });
    select.value = others.some((agent) => agent.id === current) ? current : "";
  }

  const AUTHOR_LABELS = { customer: null, bot: "Bot", system: "Baton" };

  function appendMessage(message) {
    if (shownMessages.has(message.id)) return;
    shownMessages.add(message.id);
    let kind = message.author;
    if (message.internal) kind = message.author === "system" ? "note handoff-note" : "note";
    const item = el("li", "m m-" + kind.split(" ").join(" m-"));
    item.dataset.id = String(message.id);

    const head = el("div", "m-head");
    let who;
    if (message.author === "customer") who = detail ? detail.conversation.customer : "Customer";
    else if (message.author === "agent") who = message.author_name || "Agent";
    else who = AUTHOR_LABELS[message.author] || message.author;
    if (message.internal) {
      head.appendChild(el("span", "note-tag", message.author === "system" ? "handoff note" : "note"));
    }
    head.appendChild(el("span", "m-who", who));
    head.appendChild(el("time", "m-time", clock(message.created_at)));
    item.appendChild(head);
    item.appendChild(el("div", "m-body", message.body));

    // Keep id order even when a catch-up arrives after a live event.
    const transcript = $("transcript");
    const after = Array.prototype.find.call(
      transcript.children,
      (node) => Number(node.dataset.id) > message.id,
    );
    transcript.insertBefore(item, after || null);
  }

  function scrollTranscript() {
    const transcript = $("transcript");
    transcript.scrollTop = transcript.scrollHeight;
  }

  function renderContext() {
    const contact = detail.contact || {};
    const facts = $("c-facts");
    facts.replaceChildren();
    const addFact = (list, label, value, extra) => {
      if (value === null || value === undefined || value === "") return;
      list.appendChild(el("dt", null, label));
      const dd = el("dd");
      if (value instanceof Node) dd.appendChild(value);
      else dd.textContent = String(value);
      if (extra) dd.appendChild(extra);
      list.appendChild(dd);
    };
    addFact(facts, "Name", contact.name || "not given");
    if (contact.email) {
      const badge = el(
        "span",
        contact.verified ? "badge ok" : "badge",
        contact.verified ? "verified" : "not verified",
      );
      addFact(facts, "Email", contact.email + " ", badge);
    } else {
      addFact(facts, "Email", "not given yet");
    }
    addFact(facts, "Visitor", contact.returning ? "returning visitor" : "first conversation");
    if (detail.page_url) {
      const safe = safeHttpUrl(detail.page_url);
      let page;
      if (safe) {
        page = el("a", null, detail.conversation.page_title || detail.page_url);
        page.href = safe;
        page.target = "_blank";
        page.rel = "noopener noreferrer";
        page.title = detail.page_url;
      } else {
        page = detail.page_url;
      }
      addFact(facts, "Page", page);
    }

    const attributes = contact.attributes || {};
    const attributeList = $("c-attributes");
    attributeList.replaceChildren();
    const keys = Object.keys(attributes);
    keys.forEach((key) => addFact(attributeList, key.replace(/_/g, " "), attributes[key]));
    $("c-attributes-block").hidden = keys.length === 0;

    const handoff = detail.handoff;
    $("c-handoff-block").hidden = !handoff;
    $("c-signals-block").hidden = !handoff || !(handoff.signals || []).length;
    $("c-explain-block").hidden = !handoff || !handoff.explanation;
    const handoffFacts = $("c-handoff");
    handoffFacts.replaceChildren();
    $("c-reasons").replaceChildren();
    $("c-signals").replaceChildren();
    if (handoff) {
      addFact(handoffFacts, "Status", handoff.status === "open" ? "open" : "closed");
      addFact(handoffFacts, "Route", handoff.model === "live" ? "live chat" : "email ticket");
      if (handoff.promised_by) {
        const info = promiseInfo({ promised_by: handoff.promised_by, state: "open" });
        addFact(
          handoffFacts,
          "Promise",
          (handoff.promise_text ? "“" + handoff.promise_text + "” — " : "") +
            "by " + dayAndClock(handoff.promised_by),
        );
        if (info && info.level !== "ok" && handoff.status === "open" && !handoff.first_response_at) {
          handoffFacts.lastChild.classList.add("promise-" + info.level);
        }
      }
      addFact(
        handoffFacts,
        "First reply",
        handoff.first_response_at ? dayAndClock(handoff.first_response_at) : "not yet",
      );
      (handoff.reasons || []).forEach((reason) => $("c-reasons").appendChild(reasonChip(reason)));
      (handoff.signals || []).forEach((signal) => {
        const item = el("li", "signal");
        const top = el("div", "signal-top");
        top.appendChild(el("span", "signal-kind", signal.kind.replace(/_/g, " ")));
        top.appendChild(el("span", "signal-weight", "+" + Number(signal.weight).toFixed(2)));
        item.appendChild(top);
        item.appendChild(el("div", "signal-evidence", signal.evidence));
        item.appendChild(reasonChip(signal.reason));
        $("c-signals").appendChild(item);
      });
      $("c-explanation").textContent = handoff.explanation || "";
    }

    const earlier = $("c-earlier");
    earlier.replaceChildren();
    (detail.earlier || []).forEach((item) => {
      const li = el("li");
      const link = el(
        "button",
        "linkish",
        dayAndClock(item.created_at) + " — " + (STATE_LABELS[item.state] || item.state),
      );
      link.type = "button";
      link.addEventListener("click", () => select(item.id));
      li.appendChild(link);
      earlier.appendChild(li);
    });
    $("c-earlier-block").hidden = (detail.earlier || []).length === 0;
  }

  // ---------------------------------------------------------------------------------------
  // Actions
  // ---------------------------------------------------------------------------------------

  async function act(path, body, done) {
    if (!selectedId) return;
    try {
      await api(
        "POST",
        "/api/console/conversations/" + encodeURIComponent(selectedId) + path,
        body || {},
      );
      if (done) toast(done, "ok");
    } catch (err) {
      report(err);
    }
    await Promise.all([reloadSelected(), refreshLists()]);
  }

  $("a-claim").addEventListener("click", async () => {
    await act("/claim", null, "You have the conversation.");
    if (detail && detail.conversation.agent_id === me.id) showView("mine");
  });
  $("a-handback").addEventListener("click", () => act("/hand-back", null, "Handed back to the bot."));
  $("a-resolve").addEventListener("click", () => act("/resolve", null, "Resolved."));
  $("a-transfer").addEventListener("click", () => {
    const to = $("a-transfer-to").value;
    if (!to) return;
    const target = agents.find((agent) => agent.id === to);
    act("/transfer", { agent_id: to }, "Transferred to " + (target ? target.name : "them") + ".");
  });

  $("reply-note").addEventListener("change", updateButtons);
  $("a-transfer-to").addEventListener("change", () => {
    $("a-transfer").disabled = !$("a-transfer-to").value;
  });

  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!selectedId) return;
    const box = $("reply-text");
    const text = box.value.trim();
    if (!text) return;
    const internal = $("reply-note").checked;
    const error = $("reply-error");
    error.hidden = true;
    $("reply-send").disabled = true;
    try {
      const answer = await api(
        "POST",
        "/api/console/conversations/" + encodeURIComponent(selectedId) + "/messages",
        { text, internal },
      );
      box.value = "";
      // Show it at once; the live event with the same id is then ignored.
      appendMessage({
        id: answer.id,
        author: "agent",
        author_name: me.name,
        internal,
        body: text,
        created_at: new Date().toISOString(),
      });
      scrollTranscript();
      if (!internal) reloadSelected(); // the first reply is recorded against the promise
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : "Not sent: Baton is unreachable.";
      error.hidden = false;
    } finally {
      updateButtons();
      box.focus();
    }
  });

  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!$("reply-send").disabled) $("reply").requestSubmit();
    }
  });

  $("reply-text").addEventListener("input", () => {
    // Tell the customer the agent is typing (never for a note).
    if (!selectedId || $("reply-note").checked) return;
    if (!detail || detail.conversation.state !== "agent") return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_EVERY_MS) return;
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "typing", conversation_id: selectedId }));
      lastTypingSent = now;
    }
  });

  // ---------------------------------------------------------------------------------------
  // Agents
  // ---------------------------------------------------------------------------------------

  async function loadAgents() {
    try {
      agents = (await api("GET", "/api/console/agents")).agents;
    } catch (err) {
      agents = [];
    }
    renderAgents();
    if (detail) updateButtons();
  }

  function renderAgents() {
    const rows = $("agents-rows");
    rows.replaceChildren();
    agents.forEach((agent) => {
      const tr = el("tr");
      tr.appendChild(el("td", null, agent.name));
      tr.appendChild(el("td", null, agent.email));
      tr.appendChild(el("td", null, agent.role));
      const status = el("td");
      status.appendChild(el("span", "pdot " + agent.presence));
      status.appendChild(document.createTextNode(agent.active ? agent.presence : "deactivated"));
      tr.appendChild(status);
      tr.appendChild(el("td", null, agent.capacity));
      const actions = el("td");
      if (agent.active && me && agent.id !== me.id) {
        const button = el("button", "btn ghost", "Deactivate");
        button.type = "button";
        button.addEventListener("click", () => deactivate(agent));
        actions.appendChild(button);
      }
      tr.appendChild(actions);
      rows.appendChild(tr);
    });
  }

  async function deactivate(agent) {
    // Their sessions end and their consoles close; refused while they hold live chats.
    if (!confirm("Deactivate " + agent.name + "? They are signed out and can no longer sign in.")) {
      return;
    }
    try {
      await api("POST", "/api/console/agents/" + encodeURIComponent(agent.id) + "/deactivate");
      toast(agent.name + " is deactivated.", "ok");
      await loadAgents();
    } catch (err) {
      report(err);
    }
  }

  $("agents-open").addEventListener("click", () => {
    loadAgents();
    $("agents-dialog").showModal();
  });
  $("agents-close").addEventListener("click", () => $("agents-dialog").close());

  $("agent-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const error = $("agent-error");
    error.hidden = true;
    const body = {
      name: form.name.value.trim(),
      email: form.email.value.trim(),
      password: form.password.value,
      role: form.role.value,
      capacity: Number(form.capacity.value || 3),
    };
    try {
      await api("POST", "/api/console/agents", body);
      form.reset();
      toast("Added " + body.name + ".", "ok");
      await loadAgents();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : "Could not reach Baton.";
      error.hidden = false;
    }
  });

  // ---------------------------------------------------------------------------------------
  // Live events
  // ---------------------------------------------------------------------------------------

  function setConnection(state, text) {
    $("conn").dataset.state = state;
    $("conn-text").textContent = text;
  }

  function closeSocket() {
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
  }

  function connect() {
    if (!me || socket) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws/console?last_event_id=" + lastEventId);
    socket = ws;
    setConnection("connecting", "Connecting…");
    ws.onopen = () => {
      backoff = 1;
      setConnection("live", "Live");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
      }, 25000);
      lastActiveSent = 0;
      sendActive();
      watchSelected();
      // Anything missed while the socket was down.
      refreshSoon();
      reloadSelected();
    };
    ws.onmessage = (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (frame.type === "event") handleEvent(frame.event);
      else if (frame.type === "resync") {
        refreshSoon();
        reloadSelected();
      }
    };
    ws.onclose = (closed) => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      if (closed.code === 1008) {
        // Signed out elsewhere, or the session ended.
        api("GET", "/api/console/me").catch(() => undefined);
      }
      const delay = backoff;
      backoff = Math.min(backoff * 2, 30);
      setConnection("down", "Reconnecting in " + delay + " s");
      reconnectTimer = setTimeout(connect, delay * 1000);
    };
  }

  function remember(eventId) {
    if (eventId > lastEventId) {
      lastEventId = eventId;
      sessionStorage.setItem(LAST_EVENT_KEY, String(lastEventId));
    }
  }

  function knownOpen(id) {
    return VIEWS.some((name) => lists[name].some((row) => row.id === id));
  }

  function handleEvent(event) {
    if (!event) return;
    if (event.id) {
      // Events can arrive slightly out of id order (two commits, published in the other
      // order): dedupe by id, not by "older than the newest".
      if (seenEvents.has(event.id)) return;
      seenEvents.add(event.id);
      if (seenEvents.size > 5000) seenEvents.delete(seenEvents.values().next().value);
      remember(event.id);
    }
    const data = event.data || {};
    const id = event.conversation_id;
    const isSelected = id && id === selectedId;
    switch (event.type) {
      case "handoff.escalated":
        // Announced once the lists show it. A replayed old handoff is either listed already
        // or closed since, so it makes no noise.
        if (!knownOpen(id)) toAnnounce.set(id, data);
        refreshSoon();
        if (isSelected) reloadSelected();
        break;
      case "message.created":
        if (isSelected) {
          appendMessage(data);
          scrollTranscript();
          if (data.author === "customer") $("t-typing").hidden = true;
        } else if (
          data.author === "customer" &&
          new Date(data.created_at).getTime() >= pageOpenedAt &&
          knownOpen(id)
        ) {
          unread.add(id);
          renderLists();
        }
        break;
      case "conversation.state_changed":
      case "conversation.resolved":
      case "conversation.handed_back":
        refreshSoon();
        if (isSelected) reloadSelected();
        break;
      case "typing":
        if (isSelected && data.who === "customer") showCustomerTyping();
        break;
      case "promise.at_risk":
      case "promise.broken":
        // A promise to a customer is about to break (or has): say so, whoever holds it.
        if (!data.agent_id || !me || data.agent_id === me.id) {
          toast(
            (event.type === "promise.broken" ? "Promise broken: " : "Promise at risk: ") +
              (data.summary || "a customer is waiting") +
              (data.promise ? " (promised " + data.promise + ")" : ""),
            "alert",
            () => select(id),
            id,
          );
          beep();
        }
        refreshSoon();
        break;
      case "agent.presence":
        agents.forEach((agent) => {
          if (agent.id === data.agent_id) agent.presence = data.presence;
        });
        if (me && data.agent_id === me.id) {
          me.presence = data.presence;
          showPresence(data.presence);
        }
        renderAgents();
        if (detail) updateButtons();
        break;
      default:
        break;
    }
  }

  function announceHandoff(id, data) {
    const row = lists.queue.concat(lists.open).find((item) => item.id === id);
    const who = row ? row.customer : "A customer";
    const what = data.summary || (row && row.summary) || "needs a person";
    const route = data.model === "live" ? "live chat" : "email ticket";
    toast("New handoff (" + route + "): " + who + " — " + what, "handoff", () => select(id), id);
    bumpTitle(); // cleared when the agent opens a conversation or comes back to the window
    beep();
  }

  function showCustomerTyping() {
    const name = detail ? detail.conversation.customer : "Customer";
    $("t-typing-text").textContent =
      (name === "Visitor" ? "The customer" : name) + " is typing…";
    $("t-typing").hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      $("t-typing").hidden = true;
    }, CUSTOMER_TYPING_SHOWN_MS);
  }

  // Without a socket the lists still refresh now and then.
  setInterval(() => {
    if (me && !socket) refreshLists();
  }, 30000);

  // ---------------------------------------------------------------------------------------
  // Start: signed in already (the cookie) or the sign-in form.
  // ---------------------------------------------------------------------------------------

  api("GET", "/api/console/me").then(startConsole, showSignIn);
})();
