/*
 * Baton chat widget.
 *
 * Embed it with one tag on any page:
 *
 *   <script src="https://baton.example/widget.js" data-site="demo" async></script>
 *
 * Optional attributes on that tag:
 *   data-name, data-email   what the site knows of the customer
 *   data-attributes         JSON object of further facts, e.g. '{"plan": "pro"}'
 *   data-title              the panel's title (default "Chat with us")
 *   data-greeting           the first line the customer sees before writing
 *
 * Everything lives inside a Shadow DOM, so the host page's styles cannot reach the widget and
 * the widget's styles cannot reach the page. The shadow root is "open" so that accessibility
 * and testing tools can see inside; style isolation is the same in either mode. Anything a person typed is rendered
 * with textContent only, never as markup.
 *
 * The protocol spoken here is described in docs/protocol.md.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------
  // Where Baton lives: the widget learns it from its own <script> tag.
  // ---------------------------------------------------------------------------------------

  function findOwnScript() {
    if (document.currentScript && document.currentScript.src) return document.currentScript;
    const scripts = Array.prototype.slice.call(document.querySelectorAll("script[src]"));
    for (let i = scripts.length - 1; i >= 0; i -= 1) {
      const path = new URL(scripts[i].src, location.href).pathname;
      if (/\/widget\.js$/.test(path)) return scripts[i];
    }
    return null;
  }

  const script = findOwnScript();
  if (!script) return;
  if (window.__batonWidgetLoaded) return; // one widget per page, even if the tag is repeated
  window.__batonWidgetLoaded = true;

  // Baton may sit under a path prefix (https://example.com/support/widget.js), so the base is
  // the script's folder, not only its origin.
  const BASE = new URL(".", new URL(script.src, location.href)).href.replace(/\/$/, "");
  const WS_BASE = BASE.replace(/^http/, "ws");
  const SITE = script.getAttribute("data-site") || "default";
  const TITLE = script.getAttribute("data-title") || "Chat with us";
  const GREETING =
    script.getAttribute("data-greeting") ||
    "Hi there! Ask me anything about your order, delivery or returns. " +
      "If I can't help, I'll bring in someone from our team.";
  const STORAGE_KEY = "baton:" + BASE + ":" + SITE;
  const TYPING_EVERY_MS = 3000;
  const AGENT_TYPING_SHOWN_MS = 6000;
  const SOCKET_SEND_GRACE_MS = 8000;
  // Waits before sending a message again by itself after Baton was briefly out of reach.
  const AUTO_RETRY_DELAYS_MS = [2000, 5000, 10000];
  const MAX_BACKOFF_S = 30;

  function readContact() {
    const contact = {};
    const name = script.getAttribute("data-name");
    const email = script.getAttribute("data-email");
    const attributes = script.getAttribute("data-attributes");
    if (name) contact.name = name;
    if (email) contact.email = email;
    if (attributes) {
      try {
        const parsed = JSON.parse(attributes);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          contact.attributes = parsed;
        }
      } catch (err) {
        console.warn("Baton widget: data-attributes is not valid JSON; ignored.");
      }
    }
    return Object.keys(contact).length ? contact : null;
  }

  // ---------------------------------------------------------------------------------------
  // Remembered conversation: {conversation_id, token, last_event_id}, per Baton origin.
  // ---------------------------------------------------------------------------------------

  const storage = {
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
        if (saved && saved.conversation_id && saved.token) return saved;
      } catch (err) {
        /* storage blocked or corrupt: start afresh */
      }
      return null;
    },
    save(value) {
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch (err) {
        /* private mode: the conversation lasts as long as the page */
      }
    },
    clear() {
      try {
        localStorage.removeItem(STORAGE_KEY);
      } catch (err) {
        /* nothing to do */
      }
    },
  };

  // ---------------------------------------------------------------------------------------
  // Styles. `:host { all: initial }` cuts every inherited property from the page.
  // ---------------------------------------------------------------------------------------

  const CSS = `
    /* The host element sits in the page, so page rules reach it; an important rule from inside
       the shadow tree wins over an important rule from the page, so nothing sticks. */
    :host { all: initial !important; }
    * { box-sizing: border-box; }
    .root {
      --accent: #1f5c55;
      --accent-dark: #17463f;
      --accent-soft: #e4efec;
      --ink: #1d2320;
      --muted: #5d6762;
      --paper: #ffffff;
      --cream: #f7f4ef;
      --bubble: #f0ece5;
      --line: #e3ddd3;
      --focus: #d38b1c;
      --danger: #a3261b;
      font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      font-size: 15px;
      line-height: 1.45;
      color: var(--ink);
      -webkit-font-smoothing: antialiased;
    }
    button, textarea { font: inherit; color: inherit; }
    :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }

    .launcher {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer;
      background: var(--accent); color: #fff;
      display: grid; place-items: center;
      box-shadow: 0 6px 20px rgba(23, 70, 63, 0.35), 0 2px 6px rgba(0, 0, 0, 0.12);
      transition: transform 0.15s ease, background 0.15s ease;
    }
    .launcher:hover { background: var(--accent-dark); transform: translateY(-1px); }
    .launcher svg { width: 28px; height: 28px; }
    .launcher .badge {
      position: absolute; top: -2px; right: -2px; min-width: 22px; height: 22px; padding: 0 6px;
      border-radius: 11px; background: #c2410c; color: #fff; font-size: 12px; font-weight: 700;
      display: grid; place-items: center; border: 2px solid #fff;
    }
    .launcher .badge[hidden] { display: none; }

    .panel {
      position: fixed; right: 20px; bottom: 92px; z-index: 2147483000;
      width: 380px; height: min(620px, calc(100vh - 112px));
      display: flex; flex-direction: column; overflow: hidden;
      background: var(--paper); border-radius: 18px;
      box-shadow: 0 18px 50px rgba(20, 30, 25, 0.22), 0 3px 10px rgba(20, 30, 25, 0.10);
      border: 1px solid rgba(0, 0, 0, 0.06);
    }
    .panel[hidden] { display: none; }

    .head {
      display: flex; align-items: center; gap: 12px; padding: 14px 14px 14px 18px;
      background: var(--accent); color: #fff;
    }
    .avatar {
      flex: none; width: 38px; height: 38px; border-radius: 50%;
      display: grid; place-items: center; font-weight: 700; font-size: 16px;
      background: rgba(255, 255, 255, 0.18); color: #fff;
    }
    .avatar svg { width: 20px; height: 20px; }
    .head-text { flex: 1; min-width: 0; }
    .title { margin: 0; font-size: 16px; font-weight: 650; letter-spacing: 0.01em; }
    .status {
      margin: 1px 0 0; font-size: 13px; color: rgba(255, 255, 255, 0.85);
      display: flex; align-items: center; gap: 6px;
      white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
    }
    .status .dot {
      flex: none; width: 8px; height: 8px; border-radius: 50%; background: #a7d8c9;
    }
    .status[data-state="agent"] .dot { background: #5ee0a0; box-shadow: 0 0 0 3px rgba(94, 224, 160, 0.25); }
    .status[data-state="queued"] .dot,
    .status[data-state="collecting"] .dot { background: #f5c86a; }
    .status[data-state="ticket"] .dot { background: #f5c86a; }
    .close {
      flex: none; width: 36px; height: 36px; border-radius: 10px; border: 0; cursor: pointer;
      background: transparent; color: #fff; display: grid; place-items: center;
    }
    .close:hover { background: rgba(255, 255, 255, 0.14); }
    .close svg { width: 20px; height: 20px; }
    .head :focus-visible { outline-color: #ffd58a; }

    .log {
      flex: 1; overflow-y: auto; margin: 0; padding: 18px 16px 8px; list-style: none;
      background: var(--cream); display: flex; flex-direction: column; gap: 4px;
      overscroll-behavior: contain;
    }
    .msg { display: flex; flex-direction: column; max-width: 82%; }
    .msg .who { font-size: 12px; color: var(--muted); margin: 8px 0 3px 4px; font-weight: 600; }
    .bubble {
      padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
      word-break: break-word;
    }
    .msg.bot .bubble p { margin: 0; white-space: normal; }
    .msg.bot .bubble p + p, .msg.bot .bubble ul { margin-top: 8px; }
    .msg.bot .bubble ul { margin-bottom: 0; padding-left: 18px; white-space: normal; }
    .msg.bot .bubble code { font-size: 0.92em; }
    .msg.customer { align-self: flex-end; align-items: flex-end; }
    .msg.customer .bubble {
      background: var(--accent); color: #fff; border-bottom-right-radius: 5px;
    }
    .msg.bot, .msg.agent, .msg.greeting { align-self: flex-start; }
    .msg.bot .bubble, .msg.greeting .bubble {
      background: var(--paper); border: 1px solid var(--line); border-bottom-left-radius: 5px;
    }
    .msg.agent .bubble {
      background: var(--paper); border: 1px solid #bcd9d2; border-left: 3px solid var(--accent);
      border-bottom-left-radius: 5px;
    }
    .msg.system {
      align-self: center; max-width: 92%; margin: 10px 0; text-align: center;
    }
    .msg.system .bubble {
      background: var(--accent-soft); color: var(--accent-dark); font-size: 13px;
      border-radius: 12px; padding: 6px 12px;
    }
    .msg + .msg.customer, .msg.customer + .msg { margin-top: 6px; }
    .msg.pending .bubble { opacity: 0.65; }
    .msg .meta { font-size: 11.5px; color: var(--muted); margin: 3px 6px 0; }
    .msg.failed .bubble { background: #fbeae8; color: var(--danger); border: 1px solid #efc3bd; }
    .retry {
      border: 0; background: none; padding: 0; color: var(--danger); text-decoration: underline;
      cursor: pointer; font-size: 12px;
    }

    .choices { display: flex; gap: 8px; padding: 4px 16px 10px; background: var(--cream); flex-wrap: wrap; }
    .choices[hidden] { display: none; }
    .choice {
      border: 1px solid var(--accent); background: var(--paper); color: var(--accent);
      border-radius: 999px; padding: 6px 14px; cursor: pointer; font-size: 14px; font-weight: 600;
    }
    .choice:hover { background: var(--accent-soft); }
    .rating { display: flex; gap: 8px; margin-top: 8px; flex-wrap: wrap; }

    .typing {
      display: flex; align-items: center; gap: 8px; min-height: 26px; padding: 0 18px 6px;
      background: var(--cream); color: var(--muted); font-size: 13px;
    }
    .typing[hidden] { display: none; }
    .dots { display: inline-flex; gap: 3px; }
    .dots span {
      width: 6px; height: 6px; border-radius: 50%; background: var(--muted);
      animation: blink 1.2s infinite ease-in-out;
    }
    .dots span:nth-child(2) { animation-delay: 0.2s; }
    .dots span:nth-child(3) { animation-delay: 0.4s; }
    @keyframes blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { .dots span { animation: none; opacity: 0.7; } }

    .error {
      margin: 0; padding: 8px 16px; font-size: 13px; color: var(--danger);
      background: #fdf1ef; border-top: 1px solid #f2d2cd;
    }
    .error[hidden] { display: none; }

    .compose {
      display: flex; align-items: flex-end; gap: 8px; padding: 10px 10px 10px 14px;
      border-top: 1px solid var(--line); background: var(--paper);
    }
    .compose textarea {
      flex: 1; resize: none; border: 1px solid #cfc8bd; border-radius: 12px;
      padding: 9px 12px; min-height: 42px; max-height: 120px; line-height: 1.4;
      background: #fff; color: var(--ink); font-size: 15px;
    }
    .compose textarea::placeholder { color: #7b847f; }
    .compose textarea:focus-visible {
      outline: 2px solid var(--accent); outline-offset: 0; border-color: var(--accent);
    }
    .send {
      flex: none; width: 42px; height: 42px; border-radius: 12px; border: 0; cursor: pointer;
      background: var(--accent); color: #fff; display: grid; place-items: center;
    }
    .send:hover { background: var(--accent-dark); }
    .send:disabled { background: #9fb5b0; cursor: default; }
    .send svg { width: 20px; height: 20px; }
    .foot {
      margin: 0; padding: 0 14px 8px; font-size: 11px; color: #8a918d; background: var(--paper);
      display: flex; justify-content: center; align-items: baseline; gap: 10px; flex-wrap: wrap;
    }
    .person {
      border: 0; background: none; padding: 0; color: var(--accent); font: inherit;
      font-weight: 600; text-decoration: underline; cursor: pointer;
    }
    .person[hidden] { display: none; }
    .sr-only {
      position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }

    /* Phones: the panel takes the whole screen. */
    @media (max-width: 480px) {
      .panel {
        inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0;
      }
      .launcher { right: 16px; bottom: 16px; }
      .msg { max-width: 88%; }
    }
  `;

  const ICON_CHAT =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" ' +
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">' +
    '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  const ICON_CLOSE =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" ' +
    'stroke-linecap="round" aria-hidden="true" focusable="false">' +
    '<path d="M6 6l12 12M18 6L6 18"/></svg>';
  const ICON_SEND =
    '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" ' +
    'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">' +
    '<path d="M5 12h13M12 5l7 7-7 7"/></svg>';

  // The widget's own fixed markup. It holds no text from anyone: every message, name and
  // status is set later with textContent.
  const TEMPLATE = `
    <div class="root">
      <button class="launcher" type="button" aria-expanded="false" aria-controls="baton-panel"
        aria-label="Open chat">${ICON_CHAT}<span class="badge" hidden></span></button>
      <section class="panel" id="baton-panel" role="dialog" aria-modal="false"
        aria-labelledby="baton-title" hidden>
        <header class="head">
          <div class="avatar" aria-hidden="true">${ICON_CHAT}</div>
          <div class="head-text">
            <h2 class="title" id="baton-title"></h2>
            <p class="status" data-state="bot"><span class="dot" aria-hidden="true"></span>
              <span class="status-text"></span></p>
          </div>
          <button class="close" type="button" aria-label="Close chat">${ICON_CLOSE}</button>
        </header>
        <ol class="log" role="log" aria-live="polite" aria-relevant="additions"
          aria-label="Messages" tabindex="0"></ol>
        <div class="choices" hidden role="group" aria-label="Quick answers">
          <button class="choice" type="button" data-text="Yes please">Yes please</button>
          <button class="choice" type="button" data-text="No thanks">No thanks</button>
        </div>
        <div class="typing" hidden aria-live="polite">
          <span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>
          <span class="typing-text"></span>
        </div>
        <p class="error" role="alert" hidden></p>
        <form class="compose" autocomplete="off">
          <label class="sr-only" for="baton-input">Your message</label>
          <textarea id="baton-input" rows="1" maxlength="4000"
            placeholder="Write a message…" enterkeyhint="send"></textarea>
          <button class="send" type="submit" aria-label="Send message">${ICON_SEND}</button>
        </form>
        <p class="foot"><span>Enter to send · Shift+Enter for a new line</span>
          <button class="person" type="button" hidden>Talk to a person</button></p>
      </section>
    </div>
  `;

  // ---------------------------------------------------------------------------------------
  // Mount
  // ---------------------------------------------------------------------------------------

  const host = document.createElement("div");
  host.setAttribute("data-baton-widget", "");
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = CSS;
  shadow.appendChild(style);
  const holder = document.createElement("div");
  holder.innerHTML = TEMPLATE; // fixed markup only (see TEMPLATE)
  shadow.appendChild(holder.firstElementChild);

  const $ = (selector) => shadow.querySelector(selector);
  const ui = {
    launcher: $(".launcher"),
    badge: $(".badge"),
    panel: $(".panel"),
    title: $(".title"),
    avatar: $(".avatar"),
    status: $(".status"),
    statusText: $(".status-text"),
    close: $(".close"),
    log: $(".log"),
    choices: $(".choices"),
    typing: $(".typing"),
    typingText: $(".typing-text"),
    error: $(".error"),
    form: $(".compose"),
    input: $("textarea"),
    send: $(".send"),
    person: $(".person"),
  };
  ui.title.textContent = TITLE;

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------

  let session = storage.load(); // {conversation_id, token, last_event_id} or null
  let state = "bot";
  let agentName = null; // the human who joined, once one did
  let socket = null;
  let socketReady = false; // welcomed: frames may be sent
  let backoff = 1;
  let reconnectTimer = null;
  let pingTimer = null;
  let typingHideTimer = null;
  let lastTypingSent = 0;
  let unread = 0;
  let starting = null; // the promise of POST /api/conversations while it runs
  const seenMessages = new Set(); // message ids already shown
  const seenEvents = new Set(); // event ids already processed
  let stateEventId = 0; // the event that last set the state
  const pending = new Map(); // client_id -> {text, element, timer}

  // ---------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function friendlyError(err) {
    if (err instanceof ApiError) {
      if (err.status === 429) return "Too many messages — try again in a moment.";
      if (err.code === "message_too_long") return "That message is too long. Could you shorten it?";
      if (err.status === 503) return "We couldn't send that just now. Please try again in a moment.";
      if (err.status >= 500) return "Something went wrong on our side. Please try again.";
      return err.message || "That didn't work. Please try again.";
    }
    return "We couldn't reach the chat. Check your connection and try again.";
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (session && path.indexOf("/api/conversations/") === 0) {
      headers.Authorization = "Bearer " + session.token;
    }
    const response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
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
      throw new ApiError(response.status, detail.code || "error", detail.message || "");
    }
    return data;
  }

  /** Start the conversation on the first message (never before: no empty conversations). */
  function ensureConversation() {
    if (session) return Promise.resolve(session);
    if (starting) return starting;
    const body = {
      page: { url: location.href.slice(0, 2000), title: (document.title || "").slice(0, 300) },
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || null,
    };
    const contact = readContact();
    if (contact) body.contact = contact;
    // A signed identity from the site's server (data-identity) is trusted over data-name/email.
    const identity = script && script.getAttribute("data-identity");
    if (identity) body.identity = identity;
    starting = api("POST", "/api/conversations", body)
      .catch((err) => {
        // Details the server refuses (a malformed data-email, an expired identity) must not
        // stop the chat: start it without them.
        if ((contact || identity) && err instanceof ApiError && err.status === 422) {
          console.warn("Baton widget: the customer details were refused (" + err.message + ").");
          delete body.contact;
          delete body.identity;
          return api("POST", "/api/conversations", body);
        }
        throw err;
      })
      .then((started) => {
        session = {
          conversation_id: started.conversation.id,
          token: started.token,
          last_event_id: 0,
        };
        storage.save(session);
        setState(started.conversation.state);
        connect();
        return session;
      })
      .finally(() => {
        starting = null;
      });
    return starting;
  }

  /** Read the whole conversation and show what is missing (first load, resync). */
  async function catchUp() {
    if (!session) return;
    try {
      const conversation = await api("GET", "/api/conversations/" + session.conversation_id);
      // History is not news: it does not count towards the launcher's unread badge.
      conversation.messages.forEach((message) => renderMessage(message, { quiet: true }));
      setState(conversation.state);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 401)) {
        forgetConversation();
      }
    }
  }

  function forgetConversation() {
    session = null;
    storage.clear();
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    socketReady = false;
  }

  // ---------------------------------------------------------------------------------------
  // WebSocket
  // ---------------------------------------------------------------------------------------

  function connect() {
    if (!session || socket) return;
    clearTimeout(reconnectTimer);
    let ws;
    try {
      ws = new WebSocket(WS_BASE + "/ws/widget");
    } catch (err) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      // The token travels in the first frame, never in the URL.
      ws.send(
        JSON.stringify({
          type: "hello",
          conversation_id: session.conversation_id,
          token: session.token,
          last_event_id: session.last_event_id || 0,
        }),
      );
    };
    ws.onmessage = (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      handleFrame(frame);
    };
    ws.onclose = (closed) => {
      if (socket !== ws) return;
      socket = null;
      socketReady = false;
      clearInterval(pingTimer);
      if (closed.code === 1008) {
        // The conversation is gone or the token no longer opens it: start afresh next time.
        forgetConversation();
        return;
      }
      scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows and reconnects */
    };
  }

  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    const delay = backoff;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_S);
    reconnectTimer = setTimeout(connect, delay * 1000);
  }

  function sendFrame(frame) {
    if (!socket || !socketReady || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "welcome":
        socketReady = true;
        backoff = 1;
        if (frame.conversation) setState(frame.conversation.state);
        clearInterval(pingTimer);
        pingTimer = setInterval(() => sendFrame({ type: "ping" }), 25000);
        break;
      case "event":
        handleEvent(frame.event);
        break;
      case "resync":
        catchUp();
        break;
      case "error":
        if (frame.code === "unauthorized") {
          forgetConversation();
        } else if (frame.code === "database_unavailable") {
          // Nothing was stored: the message goes again over HTTP after its grace period.
        } else {
          showError(friendlyError(new ApiError(400, frame.code, frame.message || "")));
          failPending();
        }
        break;
      default:
        break; // pong and anything newer
    }
  }

  function stateFrom(event, next) {
    // Two changes that commit close together can arrive in the other order: the newer one
    // (the higher event id) decides, or the widget would show a state already left.
    if (event.id && event.id < stateEventId) return;
    if (event.id) stateEventId = event.id;
    setState(next);
  }

  function handleEvent(event) {
    if (!event) return;
    if (event.id) {
      if (seenEvents.has(event.id)) return;
      seenEvents.add(event.id);
      if (session && event.id > (session.last_event_id || 0)) {
        session.last_event_id = event.id;
        storage.save(session);
      }
    }
    const data = event.data || {};
    switch (event.type) {
      case "message.created":
        renderMessage(data);
        break;
      case "conversation.state_changed":
        stateFrom(event, data.state);
        break;
      case "conversation.resolved":
        stateFrom(event, "resolved");
        break;
      case "conversation.handed_back":
        stateFrom(event, "bot");
        break;
      case "typing":
        if (data.who === "agent") showAgentTyping(data.name);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------

  function timeLabel(iso) {
    const date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  /** One bubble. `text` is set with textContent: whatever a person typed stays text. */
  function buildMessage(kind, text, label) {
    const item = document.createElement("li");
    item.className = "msg " + kind;
    if (label) {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = label;
      item.appendChild(who);
    }
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (kind === "bot") renderMarkdown(bubble, text);
    else bubble.textContent = text;
    item.appendChild(bubble);
    return item;
  }

  /**
   * The bot's answers come from knowledge-base articles written in Markdown. A small renderer
   * that builds nodes itself: **bold**, *italic*, `code`, [links](https://…), "- " lists and
   * paragraphs. Every piece of text is a text node, so HTML in an article shows as text and
   * never runs; links open only http(s) addresses.
   */
  function renderMarkdown(target, text) {
    const paragraphs = String(text).split(/\n\s*\n/);
    paragraphs.forEach((block) => {
      const lines = block.split("\n");
      if (lines.every((line) => /^\s*[-*]\s+/.test(line))) {
        const list = document.createElement("ul");
        lines.forEach((line) => {
          const entry = document.createElement("li");
          renderInline(entry, line.replace(/^\s*[-*]\s+/, ""));
          list.appendChild(entry);
        });
        target.appendChild(list);
        return;
      }
      const paragraph = document.createElement("p");
      lines.forEach((line, index) => {
        if (index > 0) paragraph.appendChild(document.createElement("br"));
        renderInline(paragraph, line);
      });
      target.appendChild(paragraph);
    });
  }

  const INLINE = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|`([^`]+)`|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g;

  function renderInline(target, line) {
    let last = 0;
    for (const match of line.matchAll(INLINE)) {
      if (match.index > last) target.appendChild(document.createTextNode(line.slice(last, match.index)));
      let node;
      if (match[1] !== undefined) {
        node = document.createElement("strong");
        node.textContent = match[1];
      } else if (match[2] !== undefined) {
        node = document.createElement("em");
        node.textContent = match[2];
      } else if (match[3] !== undefined) {
        node = document.createElement("code");
        node.textContent = match[3];
      } else {
        node = document.createElement("a");
        node.textContent = match[4];
        node.href = match[5];
        node.target = "_blank";
        node.rel = "noopener noreferrer";
      }
      target.appendChild(node);
      last = match.index + match[0].length;
    }
    if (last < line.length) target.appendChild(document.createTextNode(line.slice(last)));
  }

  function labelFor(message) {
    if (message.author === "agent") return message.author_name || "Our team";
    if (message.author === "bot") return "Assistant";
    return null;
  }

  /** Insert keeping message-id order, so a late catch-up never lands out of place. */
  function insertInOrder(item, id) {
    item.dataset.id = String(id);
    const items = ui.log.querySelectorAll("li[data-id]");
    for (let i = items.length - 1; i >= 0; i -= 1) {
      if (Number(items[i].dataset.id) < id) {
        items[i].after(item);
        return;
      }
    }
    const firstPendingOrGreeting = ui.log.querySelector("li.greeting");
    if (firstPendingOrGreeting) firstPendingOrGreeting.after(item);
    else ui.log.prepend(item);
  }

  function renderMessage(message, options) {
    const quiet = Boolean(options && options.quiet);
    if (!message || typeof message.id !== "number" || message.internal) return;
    if (seenMessages.has(message.id)) return;
    seenMessages.add(message.id);

    // The customer's own message comes back from the server: replace the pending bubble.
    if (message.author === "customer" && message.client_id && pending.has(message.client_id)) {
      const item = pending.get(message.client_id);
      clearTimeout(item.timer);
      pending.delete(message.client_id);
      item.element.remove();
    }

    if (message.author === "agent" && message.author_name) {
      agentName = message.author_name;
      hideAgentTyping();
      updateHeader();
    }

    // A label only when the author changes, like a conversation in a messaging app.
    const previous = lastRendered();
    let label = labelFor(message);
    if (previous && previous.author === message.author && previous.label === label) label = null;

    const kind = ["customer", "bot", "agent", "system"].indexOf(message.author) >= 0
      ? message.author
      : "bot";
    const item = buildMessage(kind, message.body, label);
    item.dataset.author = message.author;
    item.dataset.label = labelFor(message) || "";
    const when = timeLabel(message.created_at);
    if (when) item.title = when;
    insertInOrder(item, message.id);
    if (message.author === "bot") updatePersonControl();
    if (Array.isArray(message.actions) && message.actions.indexOf("rate") >= 0) {
      item.appendChild(buildRating());
    }
    scrollToEnd();

    if (!quiet && message.author !== "customer" && ui.panel.hidden) {
      unread += 1;
      ui.badge.textContent = String(unread);
      ui.badge.hidden = false;
      ui.launcher.setAttribute("aria-label", "Open chat (" + unread + " new)");
    }
  }

  /** Good-or-bad buttons under the satisfaction question; one answer, then thanks. */
  function buildRating() {
    const row = document.createElement("div");
    row.className = "rating";
    row.setAttribute("role", "group");
    row.setAttribute("aria-label", "Rate the help you got");
    [["good", "\u{1F44D} Good"], ["bad", "\u{1F44E} Bad"]].forEach(([value, text]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = text;
      button.addEventListener("click", async () => {
        row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        try {
          await api("POST", "/api/conversations/" + session.conversation_id + "/rating", {
            rating: value,
          });
          row.textContent = "Thank you for letting us know!";
        } catch (err) {
          row.textContent = err.code === "already_rated"
            ? "Thanks — we already have your rating."
            : "Sorry, that didn't go through.";
        }
      });
      row.appendChild(button);
    });
    return row;
  }

  function lastRendered() {
    const items = ui.log.querySelectorAll("li[data-id]");
    const last = items[items.length - 1];
    if (!last) return null;
    return { author: last.dataset.author, label: last.dataset.label || null };
  }

  function renderGreeting() {
    if (ui.log.querySelector("li.greeting")) return;
    const item = buildMessage("greeting", GREETING, "Assistant");
    item.dataset.author = "bot";
    item.dataset.label = "Assistant";
    ui.log.prepend(item);
  }

  // ---------------------------------------------------------------------------------------
  // Conversation state, shown subtly under the title
  // ---------------------------------------------------------------------------------------

  function stateText() {
    switch (state) {
      case "offered":
        return "Our team can join — just say yes";
      case "queued":
        return "Waiting for our team";
      case "agent":
        // The name is known from the agent's first message or typing signal.
        return agentName ? agentName + " is here" : "You're chatting with our team";
      case "collecting": // the bot is asking where the team can write back
      case "ticket":
        return "Our team will reply by email";
      case "resolved":
        return "Resolved — write again any time";
      default:
        return "We usually answer right away";
    }
  }

  function setState(next) {
    if (!next) return;
    state = next;
    if (state !== "agent") hideAgentTyping();
    updateHeader();
  }

  function updateHeader() {
    ui.status.dataset.state = state;
    ui.statusText.textContent = stateText();
    // The avatar shows the agent's initial while a person holds the chat.
    if (state === "agent" && agentName) {
      ui.avatar.textContent = agentName.trim().charAt(0).toUpperCase();
    } else if (!ui.avatar.querySelector("svg")) {
      ui.avatar.innerHTML = ICON_CHAT; // fixed markup
    }
    updatePersonControl();
    const hideChoices = state !== "offered";
    if (ui.choices.hidden !== hideChoices) {
      ui.choices.hidden = hideChoices;
      scrollToEnd(); // the quick answers take room from the message list
    }
  }

  /**
   * "Talk to a person" is there whenever the bot holds the chat, from its first reply on: a
   * customer who wants a human never has to find the right words.
   */
  function updatePersonControl() {
    const botHolds = state === "bot" || state === "offered" || state === "resolved";
    const botReplied = ui.log.querySelector('li[data-id][data-author="bot"]') !== null;
    ui.person.hidden = !(botHolds && botReplied);
  }

  function showAgentTyping(name) {
    if (name && name !== agentName) {
      agentName = name; // the agent's typing signal names them: show it in the header too
      updateHeader();
    }
    ui.typingText.textContent = (name || agentName || "Our team") + " is typing…";
    ui.typing.hidden = false;
    scrollToEnd();
    clearTimeout(typingHideTimer);
    typingHideTimer = setTimeout(hideAgentTyping, AGENT_TYPING_SHOWN_MS);
  }

  function hideAgentTyping() {
    clearTimeout(typingHideTimer);
    ui.typing.hidden = true;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
  }

  function clearError() {
    ui.error.hidden = true;
    ui.error.textContent = "";
  }

  // ---------------------------------------------------------------------------------------
  // Sending
  // ---------------------------------------------------------------------------------------

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function send(text, asksForPerson = false) {
    text = text.trim();
    if (!text) return;
    clearError();
    const clientId = newClientId();
    const element = buildMessage("customer pending", text, null);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = "Sending…";
    element.appendChild(meta);
    ui.log.appendChild(element);
    scrollToEnd();
    pending.set(clientId, { text, asksForPerson, element, timer: null, failed: false });
    deliver(clientId);
  }

  /**
   * Deliver one pending message: over the socket when it is up, otherwise over HTTP. A socket
   * message unconfirmed after a grace period goes again over HTTP with the same client_id.
   */
  async function deliver(clientId) {
    const item = pending.get(clientId);
    if (!item) return;
    clearTimeout(item.timer);
    try {
      await ensureConversation();
    } catch (err) {
      markFailed(clientId, friendlyError(err));
      return;
    }
    if (!pending.has(clientId)) return;
    const frame = { type: "message", text: item.text, client_id: clientId };
    if (item.asksForPerson) frame.asks_for_person = true;
    if (sendFrame(frame)) {
      item.timer = setTimeout(() => deliverOverHttp(clientId), SOCKET_SEND_GRACE_MS);
      return;
    }
    deliverOverHttp(clientId);
  }

  async function deliverOverHttp(clientId) {
    const item = pending.get(clientId);
    if (!item || !session) return;
    clearTimeout(item.timer);
    try {
      const posted = await api(
        "POST",
        "/api/conversations/" + session.conversation_id + "/messages",
        item.asksForPerson
          ? { text: item.text, client_id: clientId, asks_for_person: true }
          : { text: item.text, client_id: clientId },
      );
      renderMessage(posted.message);
      (posted.replies || []).forEach((reply) => renderMessage(reply));
      setState(posted.state);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && !item.restarted) {
        // The conversation no longer exists (e.g. Baton's data was reset): start a new one.
        item.restarted = true;
        forgetConversation();
        deliver(clientId);
        return;
      }
      // Baton briefly out of reach (503) or the network dropped: send it again by itself a few
      // times before asking the visitor. The same client_id is stored once, however often.
      const transient = !(err instanceof ApiError) || err.status === 503;
      const attempt = item.autoRetries || 0;
      if (transient && attempt < AUTO_RETRY_DELAYS_MS.length) {
        item.autoRetries = attempt + 1;
        item.timer = setTimeout(() => deliverOverHttp(clientId), AUTO_RETRY_DELAYS_MS[attempt]);
        return;
      }
      markFailed(clientId, friendlyError(err));
    }
  }

  function markFailed(clientId, reason) {
    const item = pending.get(clientId);
    if (!item) return;
    item.failed = true;
    clearTimeout(item.timer);
    item.element.classList.remove("pending");
    item.element.classList.add("failed");
    const meta = item.element.querySelector(".meta");
    meta.textContent = "Not sent. ";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "retry";
    retry.textContent = "Try again";
    retry.addEventListener("click", () => {
      item.failed = false;
      item.autoRetries = 0;
      item.element.classList.remove("failed");
      item.element.classList.add("pending");
      meta.textContent = "Sending…";
      clearError();
      deliver(clientId);
    });
    meta.appendChild(retry);
    showError(reason);
  }

  function failPending() {
    pending.forEach((item, clientId) => {
      if (!item.failed) markFailed(clientId, ui.error.textContent || "Not sent.");
    });
  }

  // ---------------------------------------------------------------------------------------
  // Opening, closing, keyboard
  // ---------------------------------------------------------------------------------------

  function openPanel() {
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.launcher.setAttribute("aria-label", "Close chat");
    unread = 0;
    ui.badge.hidden = true;
    renderGreeting();
    scrollToEnd();
    ui.input.focus();
    try {
      sessionStorage.setItem(STORAGE_KEY + ":open", "1");
    } catch (err) {
      /* ignore */
    }
  }

  function closePanel() {
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-label", "Open chat");
    ui.launcher.focus();
    try {
      sessionStorage.removeItem(STORAGE_KEY + ":open");
    } catch (err) {
      /* ignore */
    }
  }

  ui.launcher.addEventListener("click", () => (ui.panel.hidden ? openPanel() : closePanel()));
  ui.close.addEventListener("click", closePanel);
  ui.panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      closePanel();
    }
  });

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value;
    if (!text.trim()) return;
    ui.input.value = "";
    autoGrow();
    send(text);
    ui.input.focus();
  });

  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });

  function autoGrow() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 120) + "px";
  }

  ui.input.addEventListener("input", () => {
    autoGrow();
    // Tell the agent the customer is typing, at most every few seconds.
    const now = Date.now();
    if (ui.input.value.trim() && now - lastTypingSent > TYPING_EVERY_MS) {
      if (sendFrame({ type: "typing" })) lastTypingSent = now;
    }
  });

  ui.person.addEventListener("click", () => {
    ui.person.hidden = true; // one press is enough; the state that follows decides the rest
    send("I'd like to talk to a person, please.", true);
  });

  ui.choices.addEventListener("click", (event) => {
    const choice = event.target.closest("button[data-text]");
    if (!choice) return;
    send(choice.getAttribute("data-text"));
    ui.input.focus();
  });

  // Come back to life quickly when the device wakes or the network returns.
  window.addEventListener("online", () => {
    backoff = 1;
    if (session && !socket) connect();
  });

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------

  function start() {
    document.body.appendChild(host);
    updateHeader();
    if (session) {
      catchUp().then(connect);
    }
    let wasOpen = false;
    try {
      wasOpen = sessionStorage.getItem(STORAGE_KEY + ":open") === "1";
    } catch (err) {
      wasOpen = false;
    }
    if (wasOpen) {
      ui.panel.hidden = false;
      ui.launcher.setAttribute("aria-expanded", "true");
      ui.launcher.setAttribute("aria-label", "Close chat");
      renderGreeting();
    }
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
