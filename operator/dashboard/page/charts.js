import uPlot from './vendor/uPlot.esm.js';

/**
 * Time charts over uPlot (served from node_modules by the dashboard's server). Each chart's
 * container carries `data-points`: how many datapoints it draws (the browser test reads it).
 */
const PALETTE = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#1b7c83', '#bf3989', '#57606a'];
const HEIGHT = 200;
const plots = new Map();

/** One colour per version, the same on every chart. */
export function colorOf(version) {
  const n = Number.parseInt(version, 10);
  return PALETTE[(Number.isNaN(n) ? 0 : n) % PALETTE.length];
}

/**
 * Draws into `el` (replacing what was there): `times` in epoch seconds; each series
 * `{ label, values, color, dash?, stepped? }` with null for "no datapoint".
 */
export function timeChart(el, { title, unit, times, series, yMin }) {
  for (const [e, plot] of plots) {
    if (e === el || !e.isConnected) {
      plot.destroy();
      plots.delete(e);
    }
  }
  const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0);
  const heading = document.createElement('h3');
  heading.textContent = title;
  const holder = document.createElement('div');
  el.replaceChildren(heading, holder);
  el.classList.add('chart');
  el.dataset.points = String(points);
  if (points === 0) {
    holder.className = 'empty';
    holder.textContent = 'no datapoints in this window';
    return;
  }
  const opts = {
    width: Math.max(280, el.clientWidth - 4),
    height: HEIGHT,
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => [yMin ?? min, max > (yMin ?? min) ? max : (yMin ?? min) + 1] },
    },
    axes: [{}, { label: unit, size: 60 }],
    legend: { live: false },
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        spanGaps: false,
        points: { show: true, size: 4 },
        ...(s.stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
      })),
    ],
  };
  plots.set(el, new uPlot(opts, [times, ...series.map((s) => s.values)], holder));
}

window.addEventListener('resize', () => {
  for (const [el, plot] of plots) plot.setSize({ width: Math.max(280, el.clientWidth - 4), height: HEIGHT });
});

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Grouped horizontal bars with optional interval whiskers, in SVG: `groups` of
 * `{ label, bars: [{ label, value, lo?, hi?, color }] }` (null values are left out).
 */
export function barChart(el, { title, unit, groups }) {
  const heading = document.createElement('h3');
  heading.textContent = title;
  const bars = groups.flatMap((g) => g.bars.filter((b) => b.value !== null && b.value !== undefined));
  el.replaceChildren(heading);
  el.classList.add('chart');
  el.dataset.points = String(bars.length);
  if (bars.length === 0) {
    const empty = document.createElement('div');
    empty.className = 'empty';
    empty.textContent = 'no data yet';
    el.append(empty);
    return;
  }
  const max = Math.max(...bars.map((b) => Math.max(b.value, b.hi ?? b.value))) || 1;
  const row = 16;
  const labelWidth = 130;
  const width = 460;
  const plot = width - labelWidth - 70;
  const rows = groups.reduce((n, g) => n + g.bars.length + 1, 0);
  const root = svg('svg', {
    width,
    height: rows * row + 4,
    viewBox: `0 0 ${width} ${rows * row + 4}`,
    role: 'img',
  });
  const x = (v) => labelWidth + (Math.max(0, v) / max) * plot;
  let y = 0;
  for (const g of groups) {
    root.append(svg('text', { x: 0, y: y + 12, 'font-size': 12, 'font-weight': 600 }, g.label));
    y += row;
    for (const b of g.bars) {
      root.append(svg('text', { x: 12, y: y + 12, 'font-size': 11, fill: '#6a737d' }, b.label));
      if (b.value !== null && b.value !== undefined) {
        root.append(
          svg('rect', {
            x: labelWidth,
            y: y + 3,
            width: x(b.value) - labelWidth,
            height: row - 6,
            fill: b.color,
            opacity: 0.75,
          }),
        );
        if (b.lo !== undefined && b.hi !== undefined)
          root.append(
            svg('line', {
              x1: x(b.lo),
              x2: x(b.hi),
              y1: y + row / 2,
              y2: y + row / 2,
              stroke: '#1d232b',
              'stroke-width': 1.5,
            }),
          );
        root.append(
          svg(
            'text',
            { x: x(Math.max(b.value, b.hi ?? b.value)) + 4, y: y + 12, 'font-size': 11 },
            `${Number(b.value.toPrecision(3))} ${unit}`,
          ),
        );
      }
      y += row;
    }
  }
  el.append(root);
}
