// The trend of a quality objective: its value per period (line) against its target (dashed line).
(function () {
  const canvas = document.getElementById("objective-trend");
  const source = document.getElementById("objective-chart");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const script = document.getElementById("objective-chart-script");
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        {label: script.dataset.valueLabel, data: data.values, borderColor: "#0d6efd", backgroundColor: "#0d6efd",
         spanGaps: true, tension: 0},
        {label: script.dataset.targetLabel + " (" + data.direction + " " + data.target + ")",
         data: data.labels.map(() => data.target), borderColor: "#dc3545", borderDash: [6, 4], pointRadius: 0},
      ],
    },
    options: {animation: false, plugins: {legend: {position: "bottom"}}},
  });
  canvas.dataset.drawn = "1";
})();
