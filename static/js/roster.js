// Attendance roster: live counts, filter by name (diacritics ignored) and unit, "mark
// everyone present", and on save send only the rows changed on this page.
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

  form.addEventListener("change", refresh);
  form.addEventListener("input", (event) => {
    if (event.target.matches('input[type=text][name^="n-"]')) refresh();
  });

  form.addEventListener("submit", () => {
    // Only the rows changed here travel: a mark saved meanwhile from another device survives.
    rows.forEach((row) => {
      if (isChanged(row)) return;
      row.querySelectorAll("input").forEach((input) => { input.disabled = true; });
    });
  });

  refresh();
})();
