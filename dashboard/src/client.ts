/**
 * The dashboard's browser script, inlined after uPlot: it reads the embedded model and draws every
 * chart that has data. Everything else on the page is rendered on the server, so tables and empty
 * states need no script. Plain ES2017, no template placeholders: it is sent as written.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('dashboard-data').textContent);
  // Okabe-Ito and Paul Tol colours: distinguishable with colour-vision deficiencies, each at least
  // 3:1 against white. Series beyond the fourth also get a dash pattern.
  var PALETTE = ['#0072B2', '#D55E00', '#009E73', '#AA3377', '#996600', '#332288', '#CC6677', '#555555'];
  var DASHES = [[], [], [], [], [8, 4], [2, 3], [10, 3, 2, 3], [5, 5]];
  var COUNT_UNITS = ['events/min', 'records', 'readings'];
  var HEIGHT = 260;
  var plots = {};

  function decimals(value) {
    var size = Math.abs(value);
    return size >= 100 ? 0 : size >= 10 ? 1 : 2;
  }
  function formatNumber(value) {
    if (value === null || value === undefined || isNaN(value)) return '–';
    return value.toLocaleString('en-US', { maximumFractionDigits: decimals(value) });
  }
  function formatTime(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function formatAge(seconds) {
    if (seconds < 90) return Math.max(0, Math.round(seconds)) + ' s';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min';
    if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
    return Math.round(seconds / 86400) + ' days';
  }

  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // 24-hour UTC ticks; the date under the first tick of each day.
  function timeTicks(u, splits, axisIndex, space, increment) {
    var previous = null;
    return splits.map(function (ts) {
      var iso = new Date(ts * 1000).toISOString();
      var day = MONTHS[Number(iso.slice(5, 7)) - 1] + ' ' + Number(iso.slice(8, 10));
      var label = increment >= 86400 ? day : previous === day ? iso.slice(11, 16) : iso.slice(11, 16) + '\n' + day;
      previous = day;
      return label;
    });
  }

  // Stacked bars: each series is drawn from the sum of the ones before it to that sum plus its
  // own value, so the data (and the legend) keep the real values.
  function stackedBars(chart) {
    var bottoms = [];
    var running = chart.x.map(function () { return 0; });
    chart.series.forEach(function (series) {
      bottoms.push(running);
      running = running.map(function (sum, index) { return sum + (series.values[index] || 0); });
    });
    var total = Math.max.apply(null, running.concat([0]));
    return {
      max: total,
      paths: function (index) {
        var bottom = bottoms[index];
        var top = bottom.map(function (sum, position) {
          var value = chart.series[index].values[position];
          return value === null || value === undefined ? null : sum + value;
        });
        return uPlot.paths.bars({
          size: [0.75, 40],
          disp: {
            y0: { unit: 1, values: function () { return bottom; } },
            y1: { unit: 1, values: function () { return top; } },
          },
        });
      },
    };
  }

  function options(chart, width) {
    var counts = COUNT_UNITS.indexOf(chart.unit) !== -1;
    var stack = chart.kind === 'stacked-bars' ? stackedBars(chart) : null;
    var axis = { stroke: '#3d444d', grid: { stroke: '#e6e9ed', width: 1 }, ticks: { stroke: '#d0d7de', width: 1 }, font: '12px system-ui, sans-serif', labelFont: '600 13px system-ui, sans-serif' };
    return {
      width: width,
      height: HEIGHT,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: {
        x: { time: true },
        y: stack
          ? { range: function () { return [0, stack.max > 0 ? stack.max * 1.08 : 1]; } }
          : counts
            ? { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } }
            : { auto: true },
      },
      axes: [
        Object.assign({}, axis, { label: chart.xLabel, labelSize: 22, size: 52, values: timeTicks }),
        Object.assign({}, axis, {
          label: chart.yLabel,
          labelSize: 22,
          size: 64,
          values: function (u, splits) { return splits.map(formatNumber); },
        }),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false }, points: { show: !stack } },
      series: [{ label: 'Time (UTC)', value: function (u, ts) { return formatTime(ts); } }].concat(
        chart.series.map(function (series, index) {
          var colour = PALETTE[index % PALETTE.length];
          var value = function (u, value) { return value === null || value === undefined ? '–' : formatNumber(value) + ' ' + chart.unit; };
          return stack
            ? { label: series.label, stroke: colour, fill: colour, width: 0, paths: stack.paths(index), points: { show: false }, value: value }
            : {
                label: series.label,
                stroke: colour,
                width: 2,
                dash: DASHES[index % DASHES.length],
                spanGaps: false,
                points: { show: chart.x.length <= 48, size: 5 },
                value: value,
              };
        }),
      ),
    };
  }

  model.charts.forEach(function (chart) {
    var host = document.querySelector('[data-chart-plot="' + chart.id + '"]');
    if (!host || chart.x.length === 0) return;
    var data = [chart.x].concat(chart.series.map(function (series) { return series.values; }));
    plots[chart.id] = new uPlot(options(chart, host.clientWidth), data, host);
    host.setAttribute('data-rendered-series', String(chart.series.length));
    host.setAttribute('data-rendered-points', String(chart.x.length));
  });

  var resizing = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      Object.keys(plots).forEach(function (id) {
        var host = document.querySelector('[data-chart-plot="' + id + '"]');
        plots[id].setSize({ width: host.clientWidth, height: HEIGHT });
      });
    }, 100);
  });

  // "generated 5 min ago", measured when the page is read, not when it was written.
  Array.prototype.forEach.call(document.querySelectorAll('[data-age-from]'), function (element) {
    var then = Date.parse(element.getAttribute('data-age-from'));
    if (!isNaN(then)) element.textContent = formatAge((Date.now() - then) / 1000) + ' ago';
  });

  window.dashboard = { model: model, plots: plots };
  document.body.setAttribute('data-charts-rendered', String(Object.keys(plots).length));
})();
`;
