// The card scan page: read QR codes from the camera (BarcodeDetector where the browser has
// it, else the vendored jsQR), post each code once to the page's own URL (JSON answer), and
// answer at once: the name large, a beep or a vibration, the server's message.
// The same form works typed by hand (the card's number) and without this script.
// Without network (navigator.onLine false, or a scan whose request fails or hangs) the page
// answers from the session's cards kept in it (#scan-lookup), queues the scan on the device
// (static/js/offline-queue.js) and sends the queue through the roster's offline sync when the
// network returns; the service worker (static/js/offline-sw.js) keeps the page itself.
(function () {
  "use strict";
  const form = document.getElementById("scan-form");
  if (!form) return;
  const answer = document.getElementById("scan-answer");
  const video = document.getElementById("scan-video");
  const cameraBox = document.getElementById("scan-camera");
  const startButton = document.getElementById("scan-start");
  const stopButton = document.getElementById("scan-stop");
  const cameraError = document.getElementById("scan-camera-error");
  const countBox = document.getElementById("scan-count");
  const input = form.querySelector("input[name=code]");
  const url = form.dataset.url;
  let stream = null;
  let detector = null;
  let canvas = null;
  let busy = false;
  let scanned = 0;
  // The same card held in front of the camera is read many times a second: ignore a code
  // seen in the last few seconds (the server refuses a second mark anyway).
  const recent = new Map();
  const REPEAT_MS = 4000;

  let audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = ok ? 880 : 220;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (ok ? 0.12 : 0.35));
    } catch (e) { /* no sound: the screen still answers */ }
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : [80, 60, 80]);
  }

  function show(data) {
    answer.className = "scan-answer scan-" + data.kind;
    answer.dataset.kind = data.kind;
    answer.replaceChildren();
    const add = (cls, text) => {
      if (!text) return;
      const p = document.createElement("p");
      p.className = cls;
      p.textContent = text;
      answer.appendChild(p);
    };
    add("scan-name", data.name);
    add("scan-unit", data.unit);
    add("scan-message", data.message);
  }

  function counted(n) {
    scanned += n;
    countBox.textContent = String(scanned);
  }
  // Scans made without network count when the server has recorded them.
  const offline = offlineScanning(form, counted);

  async function send(code) {
    if (offline.active()) {
      const data = await offline.scan(code);
      show(data);
      beep(data.ok);
      return data;
    }
    const body = new FormData(form);
    body.set("code", code);
    let data;
    let response;
    try {
      // A hall's Wi-Fi that hangs rather than fails: after a few seconds the scan is queued
      // (sent twice at worst, which the server answers "already marked").
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 6000);
      try {
        response = await fetch(url, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json" }, signal: abort.signal,
        });
      } finally { clearTimeout(timer); }
    } catch (e) {
      // No answer at all: the network is gone. Queued on the device, not lost.
      data = await offline.lost(code);
      show(data);
      beep(data.ok);
      return data;
    }
    try {
      if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
        data = await response.json();
      } else if (response.status === 400) {
        // The CSRF token is refused before the view (a page left open for hours).
        data = { ok: false, kind: "expired", message: form.dataset.expired, name: "" };
      } else {
        throw new Error(String(response.status));
      }
    } catch (e) {
      data = { ok: false, kind: "error", message: form.dataset.error, name: "" };
    }
    show(data);
    beep(data.ok && data.kind === "recorded");
    if (data.kind === "recorded") {
      counted(1);
    }
    offline.seen(code, data);
    return data;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code || busy) return;
    busy = true;
    try {
      await send(code);
      input.value = "";
    } finally {
      busy = false;
      input.focus();
    }
  });

  async function onCode(code) {
    const now = Date.now();
    for (const [seen, at] of recent) if (now - at > REPEAT_MS) recent.delete(seen);
    if (recent.has(code) || busy) return;
    recent.set(code, now);
    busy = true;
    try { await send(code); } finally { busy = false; }
  }

  async function readFrame() {
    if (!stream || video.readyState < 2) return null;
    if (detector) {
      const found = await detector.detect(video);
      return found.length ? found[0].rawValue : null;
    }
    if (!window.jsQR) return null;
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return null;
    canvas = canvas || document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, w, h);
    const image = context.getImageData(0, 0, w, h);
    const found = window.jsQR(image.data, w, h, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  }

  async function loop() {
    if (!stream) return;
    try {
      const code = await readFrame();
      if (code) await onCode(code);
    } catch (e) { /* a frame that cannot be read: try the next one */ }
    setTimeout(loop, 150);
  }

  async function start() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" }, audio: false,
      });
    } catch (e) {
      cameraError.hidden = false;
      startButton.hidden = true;
      return;
    }
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (e) { detector = null; }
    }
    document.documentElement.dataset.decoder = detector ? "BarcodeDetector" : "jsQR";
    video.srcObject = stream;
    await video.play().catch(() => {});
    cameraBox.hidden = false;
    startButton.hidden = true;
    loop();
  }

  function stop() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    cameraBox.hidden = true;
    startButton.hidden = false;
  }

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", stop);
  } else {
    cameraError.hidden = false;
  }
})();

// Scanning without network: the cards of the session kept in the page answer at once, each
// scan is queued on the device with a key of its own and the time it was made, "N waiting to
// send" is shown (and survives closing the tab), and the queue goes to the server in one
// request when the network returns (the "online" event, then every 20 s while scans wait).
function offlineScanning(form, counted) {
  "use strict";
  const queue = window.OfflineQueue;
  const sessionId = Number(form.dataset.session);
  const source = document.getElementById("scan-lookup");
  const none = { active: () => false, scan: () => null, lost: () => offlineError(), seen: () => {} };
  function offlineError() {
    return { ok: false, kind: "error", message: form.dataset.error, name: "" };
  }
  if (!queue || !window.indexedDB || !sessionId || !source) return none;
  if (!window.crypto || !crypto.subtle) return none; // (no secure context: no worker either)
  const lookup = JSON.parse(source.textContent);
  // The page holds digests of the cards, not their codes (lms.cards.services.scan_lookup).
  const byCard = new Map();
  const byEnrollment = new Map();
  lookup.cards.forEach(([code, number, enrollmentId, name, unit, status]) => {
    const person = { enrollmentId, name, unit, status };
    byCard.set(code, person);
    byCard.set(number, person);
    byEnrollment.set(enrollmentId, person);
  });
  async function find(text) {
    const bytes = new TextEncoder().encode(`${sessionId}:${text}`);
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = Array.from(hash.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
    return byCard.get(hex);
  }
  const box = document.querySelector("[data-offline-box]");
  const note = box.querySelector("[data-offline-note]");
  const csrf = form.querySelector('input[name="csrf_token"]');
  let lostAt = 0; // a scan's request failed: the network is taken as gone until a send works
  let sending = false;

  const active = () => !navigator.onLine || lostAt > 0;
  const clean = (raw) => raw.replace(/\s+/g, "");
  const wellFormed = (text) => /^\d{8}$/.test(text) || /^C1[A-Za-z0-9_-]{25}$/.test(text);

  function show() {
    note.hidden = !active();
    return queue.show(box, sessionId);
  }

  async function scan(raw) {
    const text = clean(raw);
    const person = await find(text);
    if (!person) {
      return { ok: false, kind: wellFormed(text) ? "not_in_class" : "unknown", name: "",
               message: wellFormed(text) ? form.dataset.notHere : form.dataset.unknown };
    }
    const answer = (kind, message, ok) => ({ ok, kind, message, name: person.name, unit: person.unit });
    if (person.status) {
      return answer("already", form.dataset.already.replace("{status}", lookup.labels[person.status]), true);
    }
    const marks = await queue.list(sessionId);
    if (marks.some((m) => m.enrollment_id === person.enrollmentId && m.state === "waiting")) {
      return answer("already", form.dataset.savedAgain, true);
    }
    const now = Date.now();
    if (now < Date.parse(lookup.opens) || now > Date.parse(lookup.ends)) {
      return answer("outside", form.dataset.outside, false);
    }
    const late = now > Date.parse(lookup.late_after);
    await queue.addScan(sessionId, text, person.enrollmentId, late ? "late" : "present");
    await show();
    return answer("saved", late ? form.dataset.savedLate : form.dataset.savedPresent, true);
  }

  function lost(raw) {
    lostAt = Date.now();
    return scan(raw);
  }

  // An answer from the server: what this page knows of the person follows it.
  function seen(raw, data) {
    if (data.status) find(clean(raw)).then((person) => { if (person) person.status = data.status; });
  }

  function send() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return queue.sendAll(sessionId, form.dataset.sync, csrf ? csrf.value : "", (results) => {
      lostAt = 0; // the server answered: the network is back
      counted(results.filter((r) => r.outcome === "applied").length);
      results.forEach((r) => {
        const person = byEnrollment.get(r.enrollment_id);
        if (person && !person.status && ["applied", "already", "pending"].includes(r.outcome)) {
          person.status = "present"; // marked now (present or late: the server's answer)
        }
      });
    }).then(({ sent }) => {
      if (sent) queue.showSent(box, sent);
    }).catch(() => null).then(show).finally(() => { sending = false; });
  }

  window.addEventListener("online", () => { show(); send(); });
  window.addEventListener("offline", show);
  setInterval(send, 20000);
  show().then(send);
  queue.keepPage(form);
  return { active, scan, lost, seen };
}
