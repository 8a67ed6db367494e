// The card scan page: read QR codes from the camera (BarcodeDetector where the browser has
// it, else the vendored jsQR), post each code once to the page's own URL (JSON answer), and
// answer at once: the name large, a beep or a vibration, the server's message.
// The same form works typed by hand (the card's number) and without this script.
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

  async function send(code) {
    const body = new FormData(form);
    body.set("code", code);
    let data;
    try {
      const response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
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
      scanned += 1;
      countBox.textContent = String(scanned);
    }
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
