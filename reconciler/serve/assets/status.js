// netlify-reconciler status page: refresh each row through the `status` API handler (the same one an
// Integration UI calls), with the page's own cookie. The page is complete without this script; it only
// writes text (textContent), never markup.
"use strict";
(function () {
  const table = document.getElementById("owners");
  if (!table || !window.fetch) {
    return;
  }
  const every = Math.max(2, Number(table.dataset.refreshSeconds) || 30) * 1000;
  const note = document.getElementById("refresh-note");
  const words = { in_sync: "In sync", drifted: "Drifted", error: "Error" };

  function query(row) {
    const params = new URLSearchParams();
    if (row.dataset.siteId) {
      params.set("siteId", row.dataset.siteId);
    } else if (row.dataset.teamId) {
      params.set("teamId", row.dataset.teamId);
    } else {
      return null;
    }
    return params.toString();
  }

  function setText(row, field, text) {
    const cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) {
      cell.textContent = text;
    }
    return cell;
  }

  function show(row, status) {
    const counts = status.counts || {};
    const stateCell = row.querySelector('[data-field="state"]');
    const badge = document.createElement("span");
    badge.className = "state state-" + (words[status.state] ? status.state : "unknown");
    badge.textContent = words[status.state] || "Unknown";
    stateCell.replaceChildren(badge);
    setText(row, "missing", String(counts.create || 0));
    setText(row, "changed", String((counts.update || 0) + (counts.replace || 0) + (counts.deploy || 0)));
    setText(row, "undeclared", String(counts.delete || 0));
    const time = document.createElement("time");
    time.dateTime = status.checked_at;
    time.textContent = status.checked_at.replace("T", " ").replace("Z", " UTC");
    row.querySelector('[data-field="checked_at"]').replaceChildren(time);
    if (row.dataset.state !== status.state) {
      row.dataset.state = status.state;
      const plan = document.getElementById(row.querySelector("a").hash.slice(1));
      const stale = plan && plan.querySelector(".stale-note");
      if (stale) {
        stale.hidden = false;
      }
    }
  }

  function summarise() {
    const rows = Array.from(table.tBodies[0].rows);
    const count = (state) => rows.filter((row) => row.dataset.state === state).length;
    const summary = document.getElementById("fleet-counts");
    if (summary) {
      summary.textContent =
        count("in_sync") + " in sync, " + count("drifted") + " drifted, " + count("error") + " in error";
    }
  }

  async function refresh() {
    let failed = 0;
    for (const row of Array.from(table.tBodies[0].rows)) {
      const params = query(row);
      if (params === null) {
        continue;
      }
      try {
        const response = await fetch("/.netlify/functions/handler/status?" + params, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!response.ok) {
          failed += 1;
          continue;
        }
        show(row, await response.json());
      } catch (error) {
        failed += 1;
      }
    }
    summarise();
    const at = new Date().toISOString().slice(11, 19);
    note.textContent = failed
      ? "Refresh at " + at + " UTC: " + failed + " row(s) could not be updated."
      : "Statuses refreshed at " + at + " UTC.";
  }

  window.setInterval(refresh, every);
})();
