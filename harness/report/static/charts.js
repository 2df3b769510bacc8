// The report's chart loader (harness/report/embed.py): draws each chart when the reader gets
// near it, so opening the page waits for no chart and for no plotly.js. A placeholder is a div
// with the data-chart attribute; its figure is the JSON script element whose id is the div's id
// + "-data"; plotly.js waits as inert text in the element "plotly-js" until the first chart.
(() => {
  "use strict";
  const pending = new Set(document.querySelectorAll("[data-chart]"));
  const config = JSON.parse(document.getElementById("chart-config").textContent);
  let queue = [];
  let scheduled = false;
  let observer = null;

  function plotly() {
    if (!window.Plotly) {
      const script = document.createElement("script");
      script.text = document.getElementById("plotly-js").textContent;
      document.head.appendChild(script); // runs now: an inline script
    }
    return window.Plotly;
  }

  function draw(el) {
    if (!pending.delete(el)) return;
    if (observer) observer.unobserve(el);
    queue = queue.filter((x) => x !== el);
    const fig = JSON.parse(document.getElementById(el.id + "-data").textContent);
    plotly().newPlot(el, fig.data, fig.layout, config);
  }

  // one chart per task (and plotly.js in a task of its own before the first), so scrolling,
  // clicks and typing are answered in between
  function pump() {
    scheduled = false;
    if (!window.Plotly) {
      schedule();
      plotly();
      return;
    }
    const el = queue.shift();
    if (queue.length) schedule();
    if (el) draw(el);
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      setTimeout(pump, 0);
    }
  }

  function seen(entries) {
    for (const e of entries) {
      if (!pending.has(e.target)) continue;
      if (e.isIntersecting) {
        if (!queue.includes(e.target)) queue.push(e.target);
      } else {
        queue = queue.filter((x) => x !== e.target); // scrolled past before its turn
      }
    }
    if (queue.length) schedule();
  }

  function start() {
    if (!("IntersectionObserver" in window)) {
      queue = [...pending];
      schedule();
      return;
    }
    // a screen above and below the viewport: a chart is drawn before it scrolls into view
    observer = new IntersectionObserver(seen, { rootMargin: "100% 0px" });
    for (const el of pending) observer.observe(el);
  }

  window.addEventListener("beforeprint", () => {
    for (const el of [...pending]) draw(el);
  });
  // after the load event and the first frame: the first screen never waits for a chart
  const afterFirstPaint = () => requestAnimationFrame(() => setTimeout(start, 0));
  if (document.readyState === "complete") afterFirstPaint();
  else window.addEventListener("load", afterFirstPaint);
})();
