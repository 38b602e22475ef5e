// Number and time formats for the dashboard's script (dashboard.client.js),
// which runs after this in the same inline <script>: page.ts joins the two,
// so they share one hash in the Content-Security-Policy.
window.dashboardFormat = (() => {
  const SI = ["", "k", "M", "G", "T"];
  const IEC = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  function scaled(value, step, units) {
    let i = 0;
    let v = Math.abs(value);
    while (v >= step && i < units.length - 1) {
      v /= step;
      i++;
    }
    const digits = v >= 100 || i === 0 ? 0 : 1;
    return { text: (Math.sign(value) * v).toFixed(digits), unit: units[i] };
  }
  const count = (n) => {
    const s = scaled(n, 1000, SI);
    return `${s.text}${s.unit}`;
  };
  const bytes = (n) => {
    const s = scaled(n, 1024, IEC);
    return `${s.text} ${s.unit}`;
  };
  const perSecond = (n) => `${count(n)}/s`;
  const bytesPerSecond = (n) => `${bytes(n)}/s`;
  function duration(seconds) {
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d > 0) return `${d}d ${h}h ${m}m`;
    if (h > 0) return `${h}h ${m}m ${s % 60}s`;
    return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
  }
  function ago(iso, now) {
    if (iso === null) return "never";
    const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
    return seconds < 1 ? "now" : `${duration(seconds)} ago`;
  }

  return { count, bytes, perSecond, bytesPerSecond, duration, ago };
})();
