// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Date fields (lms/core/dates.py): typed as dd/mm/yyyy; the day is echoed in words under the
// field as it is typed ("Thứ Hai, 07/12/2026"), and the date written out in full on leaving it.
(function () {
  "use strict";
  const pad = (n) => String(n).padStart(2, "0");

  function parse(text) {
    text = text.trim();
    let m = text.match(/^(\d{4})-(\d{2})-(\d{2})$/);
    let day, month, year;
    if (m) { [year, month, day] = [m[1], m[2], m[3]]; } else {
      m = text.match(/^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/) || text.match(/^(\d{2})(\d{2})(\d{4})$/);
      if (!m) return null;
      [day, month, year] = [m[1], m[2], m[3]];
    }
    const date = new Date(Number(year), Number(month) - 1, Number(day));
    if (date.getFullYear() !== Number(year) || date.getMonth() !== Number(month) - 1 ||
        date.getDate() !== Number(day)) return null;
    return date;
  }

  const written = (date) => `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`;

  document.querySelectorAll("input[data-date]").forEach((input) => {
    const echo = document.getElementById(input.id + "-day");
    if (!echo) return;
    const names = (echo.dataset.weekdays || "").split("|");
    function show() {
      const date = parse(input.value);
      // getDay(): Sunday is 0; the names start on Monday.
      echo.textContent = date ? `${names[(date.getDay() + 6) % 7]}, ${written(date)}` : "";
      return date;
    }
    input.addEventListener("input", show);
    input.addEventListener("change", () => {
      const date = show();
      if (date) input.value = written(date);
    });
  });
})();

// A table wider than the screen scrolls sideways inside its frame: the frame takes the
// keyboard focus then, so that it can be scrolled without a mouse (and says what it holds).
(function () {
  "use strict";
  const frames = Array.from(document.querySelectorAll(".table-wrap"));
  if (!frames.length) return;
  function update() {
    frames.forEach((frame) => {
      const scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (scrolls && !frame.hasAttribute("tabindex")) {
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        const table = frame.querySelector("table");
        const caption = table && table.caption ? table.caption.textContent : "";
        let heading = frame.previousElementSibling;
        while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
        frame.setAttribute("aria-label", (caption || (heading && heading.textContent) ||
          document.title).trim());
      } else if (!scrolls && frame.getAttribute("tabindex") === "0") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }
  update();
  window.addEventListener("resize", update);
  if (document.fonts) document.fonts.ready.then(update);
})();
