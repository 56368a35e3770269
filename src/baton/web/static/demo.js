// A minimal chat client for the demo page. Messages are rendered with textContent only,
// so nothing a customer or agent types can become markup.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const errorBox = document.getElementById("error");
  const seen = new Set();
  let lastId = 0;
  let session = JSON.parse(sessionStorage.getItem("baton-demo") || "null");

  function show(message) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    lastId = Math.max(lastId, message.id);
    const item = document.createElement("li");
    item.className = message.author;
    if (message.author === "agent" && message.author_name) {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = message.author_name;
      item.appendChild(who);
    }
    item.appendChild(document.createTextNode(message.body));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (session) headers.Authorization = "Bearer " + session.token;
    const response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : "request failed");
    return data;
  }

  async function ensureConversation() {
    if (session) return;
    const started = await call("POST", "/api/conversations", {
      page: { url: location.href, title: document.title },
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    });
    session = { id: started.conversation.id, token: started.token };
    sessionStorage.setItem("baton-demo", JSON.stringify(session));
  }

  async function catchUp() {
    if (!session) return;
    try {
      const conversation = await call("GET", "/api/conversations/" + session.id + "?after=" + lastId);
      conversation.messages.forEach(show);
    } catch (err) {
      session = null;
      sessionStorage.removeItem("baton-demo");
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    errorBox.hidden = true;
    input.value = "";
    try {
      await ensureConversation();
      const clientId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now())).replace(/[^A-Za-z0-9_-]/g, "");
      const posted = await call("POST", "/api/conversations/" + session.id + "/messages", { text, client_id: clientId });
      show(posted.message);
      posted.replies.forEach(show);
    } catch (err) {
      errorBox.textContent = err.message;
      errorBox.hidden = false;
      input.value = text;
    }
  });

  catchUp();
  setInterval(catchUp, 3000);
})();
