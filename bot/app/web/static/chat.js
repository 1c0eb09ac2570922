// Web chat client for the government-services assistant (plain ES2020, no build step).
// Sends typed text, choice payloads and the browser's location to POST /api/chat and appends
// each reply (its text, image, named links and numbered choice buttons) to a polite live region (role="log"), so screen readers announce it once; old
// messages are never re-rendered. Server data is only inserted as text nodes, never as HTML.
// The service menu under the composer (GET /api/chat/menu: the LINE rich menu's entries) is a
// nav of buttons; pressing one sends the entry's payload, as its numbered choice would.
// The "ตอบสั้นๆ" toggle (aria-pressed) sends "ตอบสั้นๆ" or "ตอบปกติ" like any message; the
// server remembers the choice per user and says in each answer whether it is on.
"use strict";

(() => {
  const STORAGE_KEY = "govbot.sender";
  const SHORT_KEY = "govbot.short";
  const SHORT_ON = "ตอบสั้นๆ";
  const SHORT_OFF = "ตอบปกติ";
  const SENDER = /^[A-Za-z0-9_-]{8,64}$/; // what the server accepts as a sender id
  // Hotlines (191, 1669) and phone numbers (02-282-2323, 081 234 5678). Not amounts, ranges,
  // decimals, times or dates: those touch a dot, comma, colon, slash, dash, digit or "บาท".
  const PHONE = /(?<![\d.,:/-])(1\d{2,3}|0\d{1,2}[- ]?\d{3}[- ]?\d{3,4})(?![\d.,:/-]|\s*บาท)/g;
  const PREFIX = { user: "คุณ: ", bot: "ผู้ช่วย: ", notice: "ข้อผิดพลาด: " };
  const TIMEOUT_MS = 30000;
  const NO_CONNECTION =
    "เชื่อมต่อระบบไม่ได้ ตรวจสอบอินเทอร์เน็ตแล้วลองใหม่อีกครั้ง ถ้าเป็นเหตุฉุกเฉินโทร 191 หรือ 1669";
  const NO_LOCATION =
    "อ่านตำแหน่งของคุณไม่ได้ พิมพ์ชื่อสถานที่แทนได้ เช่น ชื่อเขต อำเภอ หรือจังหวัด";
  const NEW_TAB = " (เปิดในแท็บใหม่)";

  const log = document.getElementById("log");
  const messages = document.getElementById("messages"); // the list inside the live region
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const locate = document.getElementById("locate");
  const shortToggle = document.getElementById("short");
  const services = document.getElementById("services");
  let pending = false;
  let sender = null;

  // One id per browser, kept across reloads so the conversation continues.
  function senderId() {
    if (sender) return sender;
    try {
      sender = localStorage.getItem(STORAGE_KEY);
    } catch {
      // Storage blocked (privacy settings): the id then lasts for this page only.
    }
    if (!sender || !SENDER.test(sender)) {
      // randomUUID needs a secure context (https or localhost); getRandomValues does not.
      sender = crypto.randomUUID
        ? crypto.randomUUID()
        : Array.from(crypto.getRandomValues(new Uint8Array(16)),
          (b) => b.toString(16).padStart(2, "0")).join("");
      try {
        localStorage.setItem(STORAGE_KEY, sender);
      } catch {
        // See above.
      }
    }
    return sender;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // Appends text to parent with phone numbers as tel: links (DOM nodes only, no HTML parsing).
  function appendLinked(parent, text) {
    let last = 0;
    for (const match of text.matchAll(PHONE)) {
      parent.append(text.slice(last, match.index));
      const link = element("a", "", match[0]);
      link.href = "tel:" + match[0].replace(/[- ]/g, "");
      parent.append(link);
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  // Adds one message to the log and returns its list item. kind: user, bot or notice.
  function addMessage(kind, text, extra) {
    const item = element("li", "msg " + kind);
    const body = element("p", "text");
    body.append(element("span", "visually-hidden", PREFIX[kind]));
    appendLinked(body, text || "");
    item.append(body);
    if (extra) extra(item);
    messages.append(item);
    return item;
  }

  // Named links (a receipt, a map): only web addresses and the site's own pages.
  function addLinks(item, links) {
    const safe = (links || []).filter((link) => link && link.title
      && /^(https?:\/\/|\/(?!\/))/.test(link.url || ""));
    if (!safe.length) return;
    const list = element("ul", "links");
    list.setAttribute("role", "list");
    list.setAttribute("aria-label", "ลิงก์");
    for (const link of safe) {
      const a = element("a", "", link.title);
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.append(element("span", "visually-hidden", NEW_TAB));
      const li = element("li");
      li.append(a);
      list.append(li);
    }
    item.append(list);
  }

  // --- cards (issue 17): the answer's facts as a section with a heading, the status in words,
  // label/value rows and named buttons (a choice sends its payload, a call and a link are links).
  function addCard(item, card) {
    if (!card || !card.title) return;
    const section = element("section", "card tone-" + (card.tone || "info"));
    const heading = element("h2", "", card.title);
    heading.id = "card-" + Math.random().toString(36).slice(2);
    section.setAttribute("aria-labelledby", heading.id);
    section.append(heading);
    if (card.subtitle) section.append(element("p", "card-sub", card.subtitle));
    if (card.status) section.append(element("p", "card-status", card.status));
    if ((card.fields || []).length) {
      const rows = element("dl");
      for (const field of card.fields) {
        rows.append(element("dt", "", field.label), element("dd", "", field.value));
      }
      section.append(rows);
    }
    const actions = element("div", "card-actions");
    for (const b of card.buttons || []) {
      if (b.kind === "choice") {
        const button = element("button", "", b.title);
        button.type = "button";
        button.addEventListener("click", () => submit({ text: b.payload || b.title }, b.title));
        actions.append(button);
      } else if (b.kind === "call" && /^tel:\+?[0-9]+$/.test(b.uri || "")) {
        const a = element("a", "", b.title);
        a.href = b.uri;
        actions.append(a);
      } else if (b.kind === "link" && /^(https?:\/\/|\/(?!\/))/.test(b.url || "")) {
        const a = element("a", "", b.title);
        a.href = b.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.append(element("span", "visually-hidden", NEW_TAB));
        actions.append(a);
      }
    }
    if (actions.childElementCount) section.append(actions);
    item.append(section);
  }

  function addBotMessage(message) {
    return addMessage("bot", message.text, (item) => {
      if (message.image) {
        const img = element("img");
        img.src = message.image;
        img.alt = message.alt || message.text || "รูปภาพจากผู้ช่วย";
        item.append(img);
      }
      addLinks(item, message.links);
      addCard(item, message.card);
      const buttons = message.buttons || [];
      if (!buttons.length) return;
      const list = element("ol", "choices");
      list.setAttribute("role", "list"); // keeps list semantics with list-style: none (Safari)
      list.setAttribute("aria-label", "ตัวเลือก");
      buttons.forEach((choice, i) => {
        const button = element("button", "", `${i + 1}. ${choice.title}`);
        button.type = "button";
        button.addEventListener("click",
          () => submit({ text: choice.payload || choice.title }, choice.title));
        const li = element("li");
        li.append(button);
        list.append(li);
      });
      item.append(list);
    });
  }

  // While an operator has the conversation, what they write arrives at once over
  // server-sent events (GET /api/chat/stream); the stream ends when the bot is back.
  let live = null;
  function listenLive() {
    if (live || typeof EventSource === "undefined") return;
    live = new EventSource(`/api/chat/stream?sender=${encodeURIComponent(senderId())}`);
    live.addEventListener("message", (event) => {
      let list = [];
      try {
        list = JSON.parse(event.data);
      } catch {
        return;
      }
      let first = null;
      for (const message of Array.isArray(list) ? list : []) {
        const item = addBotMessage(message);
        first = first || item;
      }
      if (first) reveal(first);
    });
    live.addEventListener("end", () => {
      live.close();
      live = null;
    });
  }

  // Scrolls so the new messages (and, when it is not sticky, the composer) are visible,
  // but never past the start of the first new message.
  function reveal(first) {
    const sticky = getComputedStyle(form).position === "sticky";
    const bottom = (sticky ? log : form).getBoundingClientRect().bottom;
    const room = sticky ? form.getBoundingClientRect().top : window.innerHeight;
    const delta = Math.min(bottom - room, first.getBoundingClientRect().top - 8);
    if (delta > 0) window.scrollBy(0, delta);
  }

  // Shows whether short replies are on (the server's word; remembered for the next visit).
  function showShort(on) {
    shortToggle.setAttribute("aria-pressed", on ? "true" : "false");
    try {
      localStorage.setItem(SHORT_KEY, on ? "1" : "0");
    } catch {
      // Storage blocked: the server still remembers it.
    }
  }

  function setPending(on, note = "กำลังพิมพ์…") {
    pending = on;
    send.disabled = on;
    for (const button of services.querySelectorAll("button")) button.disabled = on;
    locate.disabled = on;
    shortToggle.disabled = on;
    status.textContent = on ? note : "";
  }

  // Sends body to the server, shows `shown` as the user's message and the replies or the
  // error. Returns true when the server accepted the message.
  async function submit(body, shown) {
    if (pending) return false;
    setPending(true);
    reveal(addMessage("user", shown));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let ok = false;
    let first = null;
    try {
      const resp = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId(), ...body }),
        signal: abort.signal,
      });
      const data = await resp.json().catch(() => ({}));
      if (resp.ok && Array.isArray(data.messages)) {
        if (typeof data.short === "boolean") showShort(data.short);
        if (data.live === true) listenLive();
        for (const message of data.messages) {
          const item = addBotMessage(message);
          first = first || item;
        }
        ok = true;
      } else {
        first = addMessage("notice", data.error || "ส่งข้อความไม่สำเร็จ กรุณาลองใหม่อีกครั้ง");
      }
    } catch {
      first = addMessage("notice", NO_CONNECTION);
    } finally {
      clearTimeout(timer);
      setPending(false);
    }
    if (first) reveal(first);
    input.focus({ preventScroll: true });
    return ok;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || pending) {
      input.focus();
      return;
    }
    // Keep the text until the server has it, so nothing typed is lost on an error.
    const ok = await submit({ text }, text);
    if (ok && input.value.trim() === text) input.value = "";
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter adds a line; ignore Enter that confirms an input method (IME).
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    form.requestSubmit();
  });

  // --- the service menu (issue 17): the same entries as the LINE rich menu; each button says
  // the service, its state in words (ready, or the hotline to call for now) and what it does.
  async function loadMenu() {
    let menu = null;
    try {
      const resp = await fetch("/api/chat/menu");
      menu = resp.ok ? await resp.json() : null;
    } catch {
      return; // no menu: typing "เมนู" still shows it in the conversation
    }
    const items = (menu && Array.isArray(menu.items)) ? menu.items : [];
    if (!items.length) return;
    if (menu.title) document.getElementById("services-heading").textContent = menu.title;
    const list = document.getElementById("services-list");
    for (const entry of items) {
      if (!entry || !entry.label || !entry.payload) continue;
      const button = element("button", "service kind-" + (entry.kind || "ready"));
      button.type = "button";
      // spaces between the parts, so the button's accessible name reads as words
      button.append(element("span", "service-label", entry.label), " ",
        element("span", "service-state", entry.state || ""), " ",
        element("span", "service-sub", entry.sub || ""));
      button.addEventListener("click", () => submit({ text: entry.payload }, entry.label));
      const li = element("li");
      li.append(button);
      list.append(li);
    }
    services.hidden = false;
  }
  loadMenu();

  try {
    showShort(localStorage.getItem(SHORT_KEY) === "1");
  } catch {
    // Storage blocked: off until the server says otherwise.
  }
  shortToggle.addEventListener("click", async () => {
    const text = shortToggle.getAttribute("aria-pressed") === "true" ? SHORT_OFF : SHORT_ON;
    await submit({ text }, text);
    shortToggle.focus({ preventScroll: true }); // the toggle keeps focus, as a switch does
  });

  locate.addEventListener("click", () => {
    if (pending) return;
    const failed = () => {
      setPending(false);
      reveal(addMessage("notice", NO_LOCATION));
      input.focus({ preventScroll: true });
    };
    if (!navigator.geolocation) {
      failed();
      return;
    }
    setPending(true, "กำลังอ่านตำแหน่ง…");
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        setPending(false);
        const location = { latitude: coords.latitude, longitude: coords.longitude };
        submit({ location }, "ส่งตำแหน่งของฉัน");
      },
      failed,
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
})();
