// The dashboard's script, inlined into the page (its hash is in the CSP).
// It reads one `sample` event a second from /events and derives every rate
// from two consecutive samples, so the server only ever sends totals.
/* global uPlot */
(() => {
  const WINDOW_SECONDS = 300;
  const CHART_HEIGHT = 190;
  const $ = (id) => document.getElementById(id);
  const set = (id, text) => {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  };

  const { count, bytes, perSecond, bytesPerSecond, duration, ago } = window.dashboardFormat;

  // ---- charts ----------------------------------------------------------
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
  const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  // The y axis is as wide as its longest label ("381 MiB/s"); the x axis shows the time of day only.
  const axis = (format, integers) => ({
    stroke: color("--muted"),
    space: format ? 30 : 60,
    grid: { stroke: color("--line"), width: 1 },
    ticks: { stroke: color("--line"), width: 1 },
    values: (_u, splits) => splits.map(format ?? clock),
    ...(format ? { size: 88 } : {}),
    ...(integers ? { incrs: INTEGER_STEPS } : {}),
  });
  const line = (label, stroke, format, dash) => ({
    label,
    stroke,
    width: 2,
    fill: `${stroke}1f`,
    ...(dash ? { dash: [7, 5] } : {}),
    points: { show: false },
    value: (_u, v) => (v === null || v === undefined ? "–" : format(v)),
  });

  // Series are [label, colour, dashed]; the x axis always spans the last five minutes.
  // `floor` is the least top of the y axis, so an idle server draws a flat line, not noise.
  function chart(id, series, format, floor, integers = false) {
    const host = $(id);
    const data = [[], ...series.map(() => [])];
    const plot = new uPlot(
      {
        width: Math.max(200, host.clientWidth),
        height: CHART_HEIGHT,
        scales: {
          x: { time: true, range: (_u, _min, max) => [max - WINDOW_SECONDS, max] },
          y: { range: (_u, _min, max) => [0, Math.max(floor, max * 1.15)] },
        },
        series: [{}, ...series.map(([label, stroke, dash]) => line(label, stroke, format, dash))],
        axes: [axis(null, false), axis(format, integers)],
        cursor: { points: { show: false } },
        legend: { live: true },
      },
      data,
      host,
    );
    new ResizeObserver(() => plot.setSize({ width: Math.max(200, host.clientWidth), height: CHART_HEIGHT })).observe(
      host,
    );
    return {
      push(t, values) {
        if (data[0].length > 0 && t <= data[0].at(-1)) return; // uPlot wants time ascending
        data[0].push(t);
        values.forEach((v, i) => {
          data[i + 1].push(v);
        });
        while (data[0].length > 1 && data[0][0] < t - WINDOW_SECONDS) for (const column of data) column.shift();
        plot.setData(data);
      },
    };
  }

  const charts = {
    connections: chart("chart-connections", [["open", color("--in")]], count, 4, true),
    bytes: chart(
      "chart-bytes",
      [
        ["in", color("--in")],
        // Echoed bytes equal received ones: dashed, so the line under it shows.
        ["out", color("--out"), true],
      ],
      bytesPerSecond,
      1024,
    ),
    ops: chart(
      "chart-ops",
      [
        ["operations", color("--ops")],
        ["completions", color("--out"), true],
      ],
      perSecond,
      10,
      true,
    ),
  };

  // ---- samples ---------------------------------------------------------
  let previous = null;
  let about = null;
  let shutdownAccepted = false;

  function rates(now, before) {
    const seconds = (Date.parse(now.time) - Date.parse(before.time)) / 1000;
    const a = now.stats;
    const b = before.stats;
    const rate = (x, y) => (seconds > 0 ? Math.max(0, x - y) / seconds : 0);
    const dequeues = a.loop.dequeues - b.loop.dequeues;
    return {
      accepted: rate(a.connections.accepted, b.connections.accepted),
      closed: rate(a.connections.closed, b.connections.closed),
      in: rate(a.bytes.received, b.bytes.received),
      out: rate(a.bytes.sent, b.bytes.sent),
      ops: rate(a.operations, b.operations),
      completions: rate(a.completions, b.completions),
      errors: rate(a.errors, b.errors),
      kernelWaits: rate(a.loop.kernelWaits, b.loop.kernelWaits),
      perDequeue: dequeues > 0 ? (a.completions - b.completions) / dequeues : null,
      waitShare: seconds > 0 ? rate(a.loop.waitSeconds, b.loop.waitSeconds) / Math.max(1, a.workers) : null,
    };
  }

  function showHeader(sample) {
    about = sample.about;
    set("version", `v${about.version}`);
    set("backend", sample.stats.backend === "iocp" ? "IOCP" : sample.stats.backend);
    set("protocols", about.protocols.map((p) => p.toUpperCase()).join(" + "));
    set("workers", String(sample.stats.workers));
    set("uptime", duration(sample.stats.uptimeSeconds));
    const health = $("health");
    const ok = sample.health.status === "ok";
    health.dataset.state = ok ? "ok" : "bad";
    set("health", ok ? "healthy" : `unhealthy: ${sample.health.reason ?? sample.health.status}`);
    $("shutdown-token-label").hidden = !about.tokenRequired;
  }

  function showTotals(s) {
    set("conn-active", count(s.connections.active));
    set("conn-peak", count(s.connections.peak));
    set("conn-accepted", count(s.connections.accepted));
    set("conn-rejected", count(s.connections.rejected));
    set("conn-idle-closed", count(s.connections.idleClosed));
    set("bytes-received", bytes(s.bytes.received));
    set("bytes-sent", bytes(s.bytes.sent));
    set("operations", count(s.operations));
    set("errors", count(s.errors));
    set("inline", count(s.loop.inlineCompletions));
    set("idle-releases", count(s.loop.idleReleases));
    set("receive-memory", bytes(s.loop.receiveBufferBytes));
    set("buffer-calls", count(s.loop.bufferCalls));
  }

  function showRates(r) {
    set("conn-accept-rate", perSecond(r.accepted));
    set("conn-close-rate", perSecond(r.closed));
    set("rate-ops", count(r.ops));
    set("rate-in", bytesPerSecond(r.in));
    set("rate-out", bytesPerSecond(r.out));
    set("rate-completions", perSecond(r.completions));
    set("error-rate", perSecond(r.errors));
    set("kernel-wait-rate", perSecond(r.kernelWaits));
    set("per-dequeue", r.perDequeue === null ? "–" : r.perDequeue.toFixed(2));
    set("wait-share", r.waitShare === null ? "–" : `${Math.round(Math.min(1, r.waitShare) * 100)}%`);
  }

  function showThreads(threads, now) {
    const body = $("threads");
    while (body.rows.length > threads.length) body.deleteRow(-1);
    while (body.rows.length < threads.length) {
      const row = body.insertRow();
      for (const cls of ["", "", "", "num", "num"]) row.insertCell().className = cls;
    }
    threads.forEach((t, i) => {
      const cells = body.rows[i].cells;
      const texts = [String(t.id), String(t.threadId), t.state, count(t.completions), ago(t.lastActivity, now)];
      texts.forEach((text, c) => {
        if (cells[c].textContent !== text) cells[c].textContent = text;
      });
      cells[2].className = `state-${t.state}`;
    });
  }

  // One point on every chart, from a sample (or history point) and the one before it.
  function chartPoint(point, before) {
    const r = rates(point, before);
    const t = Date.parse(point.time) / 1000;
    charts.connections.push(t, [point.stats.connections.active]);
    charts.bytes.push(t, [r.in, r.out]);
    charts.ops.push(t, [r.ops, r.completions]);
    return r;
  }

  function onSample(sample) {
    showHeader(sample);
    showTotals(sample.stats);
    const now = Date.parse(sample.time);
    showThreads(sample.threads, now);
    if (previous !== null) showRates(chartPoint(sample, previous));
    previous = sample;
    set("stream", `live · ${new Date(now).toLocaleTimeString()}`);
    if (shutdownAccepted) {
      status("draining", `Draining: ${count(sample.stats.connections.active)} connections still open…`);
    }
  }

  // ---- shutdown --------------------------------------------------------
  function status(state, text) {
    const el = $("shutdown-status");
    el.dataset.state = state;
    set("shutdown-status", text);
  }

  $("shutdown-open").addEventListener("click", () => {
    $("shutdown-form").hidden = false;
    $("shutdown-open").hidden = true;
    (about?.tokenRequired ? $("shutdown-token") : $("shutdown-confirm")).focus();
  });
  $("shutdown-cancel").addEventListener("click", () => {
    $("shutdown-form").hidden = true;
    $("shutdown-open").hidden = false;
    status("", "");
  });
  $("shutdown-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const headers = {};
    const token = $("shutdown-token").value;
    if (token !== "") headers.authorization = `Bearer ${token}`;
    status("", "Asking the server to shut down…");
    try {
      const res = await fetch("shutdown", { method: "POST", headers });
      const body = await res.json().catch(() => ({}));
      if (res.status === 202) {
        shutdownAccepted = true;
        $("shutdown-form").hidden = true;
        status("draining", "Shutdown accepted: draining…");
      } else {
        status("error", `${res.status}: ${body.error ?? res.statusText}`);
      }
    } catch (error) {
      status("error", `request failed: ${error.message}`);
    }
  });

  // ---- the stream --------------------------------------------------------
  const source = new EventSource("events");
  // The last five minutes, oldest first: drawn at once, so the charts start full.
  source.addEventListener("history", (event) => {
    for (const point of JSON.parse(event.data).points) {
      if (previous !== null) chartPoint(point, previous);
      previous = point;
    }
  });
  source.addEventListener("sample", (event) => onSample(JSON.parse(event.data)));
  source.addEventListener("error", () => {
    if (shutdownAccepted) {
      // The server closed the stream as it exited: do not reconnect.
      source.close();
      status("stopped", "Server stopped.");
      set("stream", "stopped");
      const health = $("health");
      health.dataset.state = "bad";
      set("health", "stopped");
      return;
    }
    set("stream", "disconnected: retrying…");
  });
})();
