"use strict";
(function () {
  const levels = JSON.parse(document.getElementById("report-data").textContent);
  const columns = JSON.parse(document.getElementById("report-columns").textContent);
  const table = document.getElementById("levels-table");
  const body = table.tBodies[0];
  const shown = document.getElementById("shown");
  const cell = function (row, value, numeric) {
    const td = row.insertCell();
    td.textContent = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
    if (numeric) { td.className = "number"; }
    return td;
  };
  const section = function (title, headers, rows, bad) {
    const grid = document.createElement("table");
    grid.className = title;
    const head = grid.createTHead().insertRow();
    for (const header of headers) {
      const th = document.createElement("th");
      th.textContent = header;
      head.appendChild(th);
    }
    const tbody = grid.createTBody();
    for (const values of rows) {
      const row = tbody.insertRow();
      values.forEach(function (value, index) {
        const td = cell(row, value, typeof value === "number");
        if (bad && bad(values, index)) { td.className = "bad"; }
      });
    }
    return grid;
  };
  const fine = ["verified", "signed in this state", "not published"];
  const details = document.getElementById("details");
  for (const level of levels) {
    const row = body.insertRow();
    row.className = "level" + (level.enabled === false ? " disabled" : "");
    const link = document.createElement("a");
    link.href = "#level-" + level.name;
    link.textContent = level.name;
    row.insertCell().appendChild(link);
    for (const column of columns.slice(1)) { cell(row, level[column.key], column.numeric); }
    const box = document.createElement("details");
    box.id = "level-" + level.name;
    box.className = "level-detail";
    const summary = document.createElement("summary");
    box.appendChild(summary);
    details.appendChild(box);
    if (level.details === null) {
      summary.textContent = level.name + " (details not recorded: run the report command)";
      continue;
    }
    const wrong = level.details.staged.filter(function (file) { return !fine.includes(file[3]); });
    summary.textContent = level.name + " (" + level.details.effective.length + " attrs, " +
      level.details.staged.length + " staged files" + (wrong.length ? ", signature problems" : "") + ")";
    if (wrong.length) { summary.className = "bad"; }
    let filled = false;
    box.addEventListener("toggle", function () {
      if (filled) { return; }
      filled = true;
      box.appendChild(section("attrs", ["attr", "value", "set by"], level.details.effective));
      box.appendChild(section("files", ["staged file", "bytes", "sha1", "signature"], level.details.staged,
        function (values, index) { return index === 3 && wrong.includes(values); }));
    });
  }
  const rows = Array.from(body.rows);
  shown.textContent = String(rows.length);
  document.getElementById("filter").addEventListener("input", function (event) {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of rows) {
      const text = row.textContent.toLowerCase();
      const keep = words.every(function (word) { return text.includes(word); });
      row.hidden = !keep;
      if (keep) { count += 1; }
    }
    shown.textContent = String(count);
  });
  table.tHead.rows[0].querySelectorAll("th").forEach(function (header, column) {
    let ascending = true;
    header.addEventListener("click", function () {
      const numeric = header.dataset.key === "number";
      const value = function (row) {
        const text = row.cells[column].textContent;
        return numeric ? Number(text) : text.toLowerCase();
      };
      const sorted = rows.slice().sort(function (a, b) {
        const left = value(a);
        const right = value(b);
        const order = left < right ? -1 : left > right ? 1 : 0;
        return ascending ? order : -order;
      });
      ascending = !ascending;
      for (const row of sorted) { body.appendChild(row); }
    });
  });
}());
