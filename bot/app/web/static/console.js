// Operator console: live updates without reloading. The server says "change" over
// server-sent events (/console/events); the page fetches itself again and replaces only its
// live region ([data-live]), unless the user is working inside it, and says so politely to
// screen readers. Forms and focus elsewhere are left alone.
(() => {
  "use strict";
  const region = document.querySelector("[data-live]");
  const status = document.getElementById("live-status");
  if (!region || typeof EventSource === "undefined") return;
  let busy = false;
  async function refresh() {
    if (busy || region.contains(document.activeElement)) return;
    busy = true;
    try {
      const resp = await fetch(location.href, { credentials: "same-origin" });
      if (!resp.ok) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.querySelector("[data-live]");
      if (fresh && fresh.innerHTML !== region.innerHTML) {
        region.innerHTML = fresh.innerHTML;
        if (status) status.textContent = "ข้อมูลในหน้านี้อัปเดตแล้ว";
      }
    } catch {
      // offline for a moment: the next change tries again
    } finally {
      busy = false;
    }
  }
  const events = new EventSource("/console/events");
  events.addEventListener("change", refresh);
})();
