/* The progress of an admin import: poll the status URL, move the bar, and reload the page
   when the import has ended (the page then shows the summary or the error). */
"use strict";
(function () {
    const box = document.getElementById("safeimport-progress");
    if (!box) {
        return;
    }
    const bar = document.getElementById("safeimport-bar");
    const text = document.getElementById("safeimport-progress-text");

    function show(state) {
        if (!state.started) {
            text.textContent = "Waiting to start…";
        } else if (state.total_bytes) {
            const percent = Math.min(100, Math.round((100 * state.bytes) / state.total_bytes));
            bar.value = percent;
            text.textContent = state.bytes >= state.total_bytes
                ? state.rows + " rows read; writing them…"
                : percent + "%: " + state.rows + " rows read";
        } else {
            bar.removeAttribute("value");
            text.textContent = state.rows + " rows read";
        }
    }

    function poll() {
        fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then((response) => response.ok ? response.json() : Promise.reject(response.status))
            .then((state) => {
                if (state.status !== "running") {
                    window.location.reload();
                    return;
                }
                show(state);
                setTimeout(poll, 1000);
            })
            .catch(() => setTimeout(poll, 3000));
    }

    poll();
})();
