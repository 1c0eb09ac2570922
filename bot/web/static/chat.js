// Web chat client: sends text, choices and the browser's location to POST /api/chat and shows
// the replies. New messages are appended to a polite live region so screen readers announce
// each once; focus stays in the input. Server text is always inserted as text, never as HTML.
"use strict";

(() => {
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const send = document.getElementById("send");
  const locate = document.getElementById("locate");
  // Thai hotlines (191, 1669) and phone numbers (02-282-2323, 081-234-5678); not amounts or
  // coordinates, which are preceded or followed by a dot or more digits.
  const PHONE = /(?<![\d.])(1\d{2,3}|0\d{1,2}-?\d{3}-?\d{3,4})(?![\d.])/g;
  let pending = false;

  function senderId() {
    let id = localStorage.getItem("govbot.sender");
    if (!id) {
      id = crypto.randomUUID().replace(/-/g, "");
      localStorage.setItem("govbot.sender", id);
    }
    return id;
  }

  // Text with phone-like numbers (191, 1669, 02-282-2323) turned into tel: links.
  function textWithLinks(parent, text) {
    let last = 0;
    for (const match of text.matchAll(PHONE)) {
      const digits = match[0].replace(/-/g, "");
      parent.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = "tel:" + digits;
      a.textContent = match[0];
      parent.append(a);
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  function hidden(text) {
    const span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = text;
    return span;
  }

  function addMessage(kind, text, extra) {
    const li = document.createElement("li");
    li.className = "msg " + kind;
    const speaker = { user: "คุณ: ", bot: "ผู้ช่วย: ", error: "ข้อผิดพลาด: " }[kind];
    li.append(hidden(speaker));
    textWithLinks(li, text);
    if (extra) extra(li);
    log.append(li);
    li.scrollIntoView({ block: "end" });
  }

  function addBotMessage(message) {
    addMessage("bot", message.text || "", (li) => {
      if (message.image) {
        const img = document.createElement("img");
        img.src = message.image;
        img.alt = message.alt || message.text || "";
        li.append(img);
      }
      const buttons = message.buttons || [];
      if (buttons.length) {
        const list = document.createElement("ol");
        list.className = "choices";
        list.setAttribute("aria-label", "ตัวเลือก");
        buttons.forEach((b, i) => {
          const item = document.createElement("li");
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = `${i + 1}. ${b.title}`;
          button.addEventListener("click", () => submit({ text: b.payload }, b.title));
          item.append(button);
          list.append(item);
        });
        li.append(list);
      }
    });
  }

  function setPending(on) {
    pending = on;
    send.disabled = on;
    locate.disabled = on;
    status.textContent = on ? "กำลังพิมพ์…" : "";
  }

  async function submit(body, shown) {
    if (pending) return false;
    setPending(true);
    addMessage("user", shown);
    let ok = false;
    try {
      const resp = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId(), ...body }),
      });
      const data = await resp.json().catch(() => ({}));
      if (resp.ok) {
        (data.messages || []).forEach(addBotMessage);
        ok = true;
      } else {
        addMessage("error", data.error || "ส่งข้อความไม่สำเร็จ กรุณาลองใหม่");
      }
    } catch (err) {
      addMessage("error", "เชื่อมต่อไม่ได้ ตรวจสอบอินเทอร์เน็ตแล้วลองใหม่ ถ้าเป็นเหตุฉุกเฉินโทร 191 หรือ 1669");
    } finally {
      setPending(false);
      input.focus();
    }
    return ok;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    // The typed text stays in the box until the server has it, so nothing is lost on error.
    if (await submit({ text }, text)) input.value = "";
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      addMessage("error", "เบราว์เซอร์นี้ส่งตำแหน่งไม่ได้ พิมพ์ชื่อแขวง เขต อำเภอ หรือจังหวัดแทนได้");
      return;
    }
    status.textContent = "กำลังอ่านตำแหน่ง…";
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const { latitude, longitude } = pos.coords;
        submit({ location: { latitude, longitude } }, "ส่งตำแหน่งของฉัน");
      },
      () => {
        status.textContent = "";
        addMessage("error", "อ่านตำแหน่งไม่ได้ พิมพ์ชื่อแขวง เขต อำเภอ หรือจังหวัดแทนได้");
        input.focus();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
})();
