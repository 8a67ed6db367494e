// The progress bar of a background job: polls its JSON status until it is done or failed.
(() => {
  const box = document.querySelector(".job[data-status-url]");
  if (!box) return;
  const bar = box.querySelector(".job-bar");
  const text = box.querySelector(".job-text");
  const done = box.querySelector(".job-done");
  const total = box.querySelector(".job-total");
  const link = box.querySelector(".job-download");
  const number = new Intl.NumberFormat(document.documentElement.lang || "vi");

  async function poll() {
    let state;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (error) {
      window.setTimeout(poll, 3000);  // a network hiccup: try again a little later
      return;
    }
    bar.max = state.total || 1;
    bar.value = state.status === "done" ? bar.max : state.progress;
    done.textContent = number.format(state.progress);
    total.textContent = number.format(state.total);
    if (state.status === "done") {
      text.textContent = box.dataset.doneText;
      if (state.download_url) {
        link.href = state.download_url;
        link.classList.remove("hidden");
      }
    } else if (state.status === "failed") {
      text.textContent = `${box.dataset.failedText} ${state.error || ""}`;
    } else {
      text.textContent = `${state.percent}%`;
      window.setTimeout(poll, 700);
    }
  }
  poll();
})();
