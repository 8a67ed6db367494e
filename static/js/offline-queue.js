// Marks made without network, kept on the device (IndexedDB) until the server has them.
// Each mark gets a key made here (a UUID): the server records a key once, so sending a batch
// again (a lost answer, a second tab) never records anything twice. The server answers per
// mark; a mark leaves the queue only once the server has recorded what became of it.
(function () {
  "use strict";
  const DB_NAME = "lms-offline";
  const STORE = "marks";
  const BATCH = 300; // per request; the caller sends again while marks wait
  const SEND_TIMEOUT = 20000; // ms; 300 marks are ~40 kB
  // Answers that record nothing and that the person should see (kept on the device, marked
  // refused): a mark for someone not enrolled; a scanned card unknown, revoked, of another
  // class, or scanned outside the session's window. "already" (a scan of someone marked)
  // leaves the queue like a mark recorded.
  const REFUSED = ["not_enrolled", "unknown", "revoked", "not_in_class", "outside"];

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("session", "session_id");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function run(mode, work) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
      tx.onabort = () => { db.close(); reject(tx.error); };
    }));
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // fetch() that gives up after `ms`: a hall's Wi-Fi without internet may never answer, and
  // a request without an answer is a network failure like any other (rejects).
  function fetchWithin(url, options, ms) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ms);
    return fetch(url, { ...options, signal: abort.signal }).finally(() => clearTimeout(timer));
  }

  const queue = {
    fetchWithin,
    // `markedAt`: when the mark was made (a save that failed is queued with the time of each
    // tap, not of the save); now when not given.
    add(sessionId, enrollmentId, status, note, markedAt) {
      const mark = {
        key: newKey(), session_id: sessionId, enrollment_id: enrollmentId, status,
        note: note || "", marked_at: markedAt || new Date().toISOString(), state: "waiting",
      };
      return run("readwrite", (store) => { store.put(mark); }).then(() => mark);
    },
    // A card scanned without network (the scan page): the server finds the person and makes
    // the mark present or late by the time of scanning; enrollment_id and status are the
    // device's guess, for showing it (the roster page shows queued scans as marks too).
    addScan(sessionId, card, enrollmentId, status) {
      const mark = {
        key: newKey(), session_id: sessionId, card, enrollment_id: enrollmentId, status,
        note: "", marked_at: new Date().toISOString(), state: "waiting",
      };
      return run("readwrite", (store) => { store.put(mark); }).then(() => mark);
    },
    list(sessionId) {
      return run("readonly", (store) => store.index("session").getAll(sessionId))
        .then((marks) => marks.sort((a, b) => a.marked_at.localeCompare(b.marked_at)));
    },
    remove(keys) {
      return run("readwrite", (store) => { keys.forEach((key) => store.delete(key)); });
    },
    setState(marks, state, message) {
      return run("readwrite", (store) => {
        marks.forEach((mark) => store.put({ ...mark, state, message: message || "" }));
      });
    },
    // Send this session's waiting marks in one request; resolves to the server's answers
    // ({results} or {error}); rejects when the network fails (the marks stay queued).
    send(sessionId, url, csrfToken) {
      return queue.list(sessionId).then((all) => {
        const waiting = all.filter((m) => m.state === "waiting").slice(0, BATCH);
        if (!waiting.length) return { results: [] };
        const body = JSON.stringify({
          session_id: sessionId,
          marks: waiting.map((m) => (m.card ? { key: m.key, card: m.card, marked_at: m.marked_at } : {
            key: m.key, enrollment_id: m.enrollment_id, status: m.status, note: m.note,
            marked_at: m.marked_at,
          })),
        });
        return fetchWithin(url, {
          method: "POST", credentials: "same-origin", body,
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        }, SEND_TIMEOUT).then((response) => response.json().catch(() => ({ error: response.statusText }))
          .then((answer) => {
            if (response.status === 400 || response.status === 413) {
              // Refused whole (nothing recorded): kept on the device, not sent again blindly.
              return queue.setState(waiting, "refused", answer.error).then(() => answer);
            }
            if (!response.ok || !Array.isArray(answer.results)) {
              // Signed out, server error: everything stays waiting for the next attempt.
              return { error: answer.error || String(response.status), retry: true };
            }
            const byKey = new Map(waiting.map((m) => [m.key, m]));
            const done = [];
            const refused = [];
            answer.results.forEach((r) => {
              if (REFUSED.includes(r.outcome) && byKey.has(r.key)) {
                refused.push({ mark: byKey.get(r.key), message: r.outcome === "not_enrolled" ? r.outcome : r.message });
              } else done.push(r.key);
            });
            return queue.remove(done)
              .then(() => Promise.all(refused.map((x) => queue.setState([x.mark], "refused", x.message))))
              .then(() => answer);
          }));
      });
    },
    // Send every waiting mark of the session, a batch a request, until none is left or the
    // server refuses; `onAnswer(results)` sees each answer (an empty queue answers too).
    // Resolves to {sent, changed}; rejects when the network fails (the rest stays queued).
    sendAll(sessionId, url, csrfToken, onAnswer) {
      let sent = 0;
      let changed = false;
      let rounds = 0; // a bound, should the queue ever fail to shrink
      const round = () => queue.send(sessionId, url, csrfToken).then((answer) => {
        const results = answer.results || [];
        sent += results.length;
        rounds += 1;
        changed = changed || results.some((r) => r.outcome !== "duplicate");
        if (onAnswer) onAnswer(results);
        return results.length && !answer.error && rounds < 20 ? round() : { sent, changed };
      });
      return round();
    },
    // The page's offline box: "N waiting to send" and "N refused: the latest reason" (a mark
    // for someone not enrolled: the box's data-not-enrolled words). Resolves to N waiting.
    show(box, sessionId) {
      const waitingBox = box.querySelector("[data-offline-waiting]");
      const refusedBox = box.querySelector("[data-offline-refused]");
      return queue.list(sessionId).then((marks) => {
        const waiting = marks.filter((m) => m.state === "waiting").length;
        const refused = marks.filter((m) => m.state === "refused");
        waitingBox.hidden = waiting === 0;
        waitingBox.textContent = waitingBox.dataset.text.replace("{n}", waiting);
        waitingBox.dataset.waiting = waiting;
        refusedBox.hidden = refused.length === 0;
        if (refused.length) {
          const message = refused[refused.length - 1].message || "";
          const reason = message === "not_enrolled" && refusedBox.dataset.notEnrolled
            ? refusedBox.dataset.notEnrolled : message;
          refusedBox.textContent = refusedBox.dataset.text.replace("{n}", refused.length)
            .replace("{reason}", reason);
        }
        return waiting;
      });
    },
    // "N sent" in the page's offline box.
    showSent(box, sent) {
      const sentBox = box.querySelector("[data-offline-sent]");
      sentBox.hidden = false;
      sentBox.textContent = sentBox.dataset.text.replace("{n}", sent);
    },
    // The service worker (static/js/offline-sw.js) keeps this page and the files it loaded on
    // the device; it answers "kept" once they are, and the form says so (data-offline-ready).
    keepPage(form) {
      if (!("serviceWorker" in navigator) || !form.dataset.sw) return;
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.type === "kept") form.dataset.offlineReady = "1";
      });
      navigator.serviceWorker.register(form.dataset.sw, { scope: "/sessions/" }).then(() =>
        navigator.serviceWorker.ready).then((registration) => {
        const urls = [window.location.pathname].concat(
          performance.getEntriesByType("resource").map((e) => e.name)
            .filter((u) => new URL(u).pathname.startsWith("/static/")));
        registration.active.postMessage({ type: "keep", urls });
      }).catch(() => {});
    },
  };
  window.OfflineQueue = queue;
})();
