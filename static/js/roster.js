// Attendance roster: live counts, filter by name (diacritics ignored) and unit, "mark
// everyone present", and on save send only the rows changed on this page (through fetch, so
// that a save the network loses is kept on the device; without JavaScript, the plain form).
(function () {
  "use strict";
  const form = document.querySelector("form[data-roster]");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll(".roster-row"));
  const counters = {};
  form.querySelectorAll("[data-count]").forEach((el) => { counters[el.dataset.count] = el; });

  function fold(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function parts(row) {
    const original = row.querySelector('input[type=hidden][name^="o-"]');
    const note = row.querySelector('input[type=text][name^="n-"]');
    const originalNote = row.querySelector('input[type=hidden][name^="on-"]');
    const checked = row.querySelector("input[type=radio]:checked");
    return { original, note, originalNote, status: checked ? checked.value : "" };
  }

  function isChanged(row) {
    const p = parts(row);
    return p.status !== p.original.value || (p.note && p.note.value.trim() !== p.originalNote.value);
  }

  function refresh() {
    const counts = { unmarked: 0, present: 0, late: 0, excused: 0, absent: 0, changed: 0, shown: 0 };
    rows.forEach((row) => {
      const p = parts(row);
      if (p.status) counts[p.status] += 1; else counts.unmarked += 1;
      row.classList.toggle("unmarked", !p.status);
      const changed = isChanged(row);
      row.classList.toggle("changed", changed);
      if (changed) counts.changed += 1;
      if (!row.hidden) counts.shown += 1;
    });
    Object.keys(counts).forEach((key) => {
      if (counters[key]) counters[key].textContent = counts[key];
    });
    const changedBox = form.querySelector(".roster-changed");
    if (changedBox) changedBox.hidden = counts.changed === 0;
    const unmarkedBox = form.querySelector(".roster-unmarked");
    if (unmarkedBox) unmarkedBox.classList.toggle("has-unmarked", counts.unmarked > 0);
    const shownBox = form.querySelector(".roster-shown");
    if (shownBox) shownBox.hidden = counts.shown === rows.length;
  }

  const nameFilter = document.getElementById("roster-filter");
  const unitFilter = document.getElementById("roster-unit");
  function applyFilter() {
    const words = fold(nameFilter ? nameFilter.value : "").split(" ").filter(Boolean);
    const unit = unitFilter ? unitFilter.value : "";
    rows.forEach((row) => {
      const name = row.dataset.name || "";
      const match = words.every((w) => name.includes(w)) && (!unit || row.dataset.unit === unit);
      row.hidden = !match;
    });
    refresh();
  }
  if (nameFilter) nameFilter.addEventListener("input", applyFilter);
  if (unitFilter) unitFilter.addEventListener("change", applyFilter);

  form.querySelectorAll("[data-bulk]").forEach((button) => {
    button.addEventListener("click", () => {
      const onlyUnmarked = button.dataset.bulk === "unmarked";
      rows.forEach((row) => {
        if (row.hidden) return; // the buttons act on the people shown by the filter
        if (onlyUnmarked && row.querySelector("input[type=radio]:checked")) return;
        const present = row.querySelector('input[type=radio][value="present"]');
        if (present) present.checked = true;
      });
      refresh();
    });
  });

  form.addEventListener("change", (event) => {
    // When each mark was made: a save that cannot go is queued with the time of each tap.
    const row = event.target.closest(".roster-row");
    if (row) row.dataset.markedAt = new Date().toISOString();
    refresh();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches('input[type=text][name^="n-"]')) refresh();
  });

  form.addEventListener("submit", (event) => {
    const changed = rows.filter(isChanged);
    if (offline.active()) {
      // No network: the changed rows join the device's queue instead of a form that cannot go.
      event.preventDefault();
      changed.forEach(offline.queueRow);
      return;
    }
    // Only the rows changed here travel: a mark saved meanwhile from another device survives.
    const unchanged = rows.filter((row) => !isChanged(row))
      .flatMap((row) => Array.from(row.querySelectorAll("input")));
    unchanged.forEach((input) => { input.disabled = true; });
    if (!offline.save) return; // no queue on this device: the plain form goes
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form)); // as the plain form sends it
    unchanged.forEach((input) => { input.disabled = false; });
    offline.save(body, changed);
  });

  const offline = offlineMarking(form, rows, refresh);
  refresh();
})();

// Marking without network (static/js/offline-queue.js keeps the marks; the service worker
// static/js/offline-sw.js keeps this page): a tap made offline is queued on the device at
// once, shown as "N waiting to send", restored when the page is opened again, and sent when
// the network returns (the "online" event, then a retry every 15 s while marks wait).
// "Offline" is the browser saying so, or the network lost: a save or a send that got no
// answer (a hall's Wi-Fi connected but without internet, where the browser says "online").
function offlineMarking(form, rows, refresh) {
  "use strict";
  const queue = window.OfflineQueue;
  const sessionId = Number(form.dataset.session);
  const none = { active: () => false, queueRow: () => {}, save: null };
  const SAVE_TIMEOUT = 8000; // ms without an answer: the network is lost
  if (!queue || !window.indexedDB || !sessionId) return none;
  const box = form.querySelector("[data-offline-box]");
  const note = box.querySelector("[data-offline-note]");
  const lostNote = box.querySelector("[data-offline-lost]");
  const csrf = form.querySelector('input[name="csrf_token"]');
  const saveButton = form.querySelector('.roster-save button[type="submit"]');
  let sending = false;
  let lost = false; // the last request got no answer

  const active = () => !navigator.onLine || lost;
  const rowOf = (id) => rows.find((row) => row.querySelector(`input[name="s-${id}"]`));

  function show() {
    note.hidden = navigator.onLine;
    lostNote.hidden = !navigator.onLine || !lost;
    form.dataset.network = active() ? "lost" : "";
    return queue.show(box, sessionId);
  }

  function setRow(row, status) {
    const radio = row.querySelector(`input[type=radio][value="${status}"]`);
    if (radio) radio.checked = true;
    // What the page shows is now in the queue: not an unsaved change of the form.
    row.querySelector('input[type=hidden][name^="o-"]').value = status;
    const n = row.querySelector('input[type=text][name^="n-"]');
    const on = row.querySelector('input[type=hidden][name^="on-"]');
    if (n && on) on.value = n.value.trim();
    row.classList.add("queued");
  }

  function queueRow(row) {
    const checked = row.querySelector("input[type=radio]:checked");
    if (!checked) return Promise.resolve();
    const id = Number(checked.name.slice(2));
    const n = row.querySelector('input[type=text][name^="n-"]');
    setRow(row, checked.value);
    return queue.add(sessionId, id, checked.value, n ? n.value.trim() : "", row.dataset.markedAt)
      .then(show).then(refresh);
  }

  // The roster's save through fetch. Saved (the server's redirect): the page as the server
  // now has it, with its message. Another answer (a refusal, an error page): shown as the
  // plain form would show it, nothing queued. No answer: the marks of this save are queued.
  function save(body, changed) {
    saveButton.disabled = true;
    return queue.fetchWithin(form.action, {
      method: "POST", body, credentials: "same-origin", redirect: "manual",
    }, SAVE_TIMEOUT).then((response) => {
      if (response.type === "opaqueredirect") {
        window.location.replace(window.location.pathname);
        return null;
      }
      return response.text().then((page) => {
        clearInterval(retry);
        document.open();
        document.write(page);
        document.close();
      });
    }, () => {
      lost = true;
      saveButton.disabled = false;
      return Promise.all(changed.map(queueRow)).then(show);
    });
  }

  function send() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    let done = { sent: 0, changed: false };
    // An answer (or nothing waiting to send): the network is back. No answer: it is lost,
    // and the marks stay queued, shown as waiting.
    return queue.sendAll(sessionId, form.dataset.sync, csrf ? csrf.value : "", () => {
      lost = false;
    }).then((answer) => {
      done = answer;
      if (done.sent) queue.showSent(box, done.sent);
    }, () => { lost = true; }).then(show).then((waiting) => {
      // Show what the server now holds (superseded marks included) unless the person is
      // in the middle of changes that are not saved yet.
      if (done.changed && !waiting && !rows.some((row) => row.classList.contains("changed"))) {
        sessionStorage.setItem("lms-offline-sent", String(done.sent));
        window.location.reload();
      }
    }).catch(() => show()).finally(() => { sending = false; });
  }

  form.addEventListener("change", (event) => {
    if (!active()) return;
    const row = event.target.closest(".roster-row");
    if (row) queueRow(row);
  });
  window.addEventListener("online", () => { show(); send(); });
  window.addEventListener("offline", show);
  const retry = setInterval(send, 15000);

  // Marks still on the device (this tab closed, the page reopened): shown as they were made.
  queue.list(sessionId).then((marks) => {
    marks.forEach((m) => { const row = rowOf(m.enrollment_id); if (row) setRow(row, m.status); });
    refresh();
    return show();
  }).then(send);
  const justSent = sessionStorage.getItem("lms-offline-sent");
  if (justSent) {
    sessionStorage.removeItem("lms-offline-sent");
    queue.showSent(box, justSent);
  }
  queue.keepPage(form);
  return { active, queueRow, save };
}
