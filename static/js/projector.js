// Check-in screen: fetch the current code, QR and count; the code changes every 30 s.
(function () {
  "use strict";
  const root = document.getElementById("projector");
  if (!root || !root.querySelector("[data-code]")) return;
  const url = root.dataset.url;
  const el = (name) => root.querySelector("[" + name + "]");
  let seconds = parseInt(el("data-seconds").textContent, 10) || 30;
  let lastCode = el("data-code").textContent.replace(/\s/g, "");

  async function update() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (data.code !== lastCode) {
        lastCode = data.code;
        el("data-code").textContent = data.code.slice(0, 3) + " " + data.code.slice(3);
        el("data-qr").innerHTML = data.qr; // SVG made by the server from its own URL
      }
      el("data-checked-in").textContent = data.checked_in;
      el("data-enrolled").textContent = data.enrolled;
      seconds = data.seconds_left;
      el("data-stale").hidden = true;
    } catch (error) {
      el("data-stale").hidden = false;
    }
  }

  setInterval(() => {
    seconds -= 1;
    if (seconds <= 0) { seconds = 30; update(); }
    el("data-seconds").textContent = Math.max(seconds, 0);
  }, 1000);
  setInterval(update, 5000); // the live count

  const full = root.querySelector("[data-fullscreen]");
  if (full) {
    full.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else root.requestFullscreen();
    });
  }
})();
