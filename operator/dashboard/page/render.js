import { barChart, colorOf, timeChart } from './charts.js';

/** Renders the snapshot of GET /dashboard/data.json into the page's sections; text only, never HTML. */

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, String(v));
  }
  el.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

const pct = (x) => `${Math.round(x * 1000) / 10} %`;
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');
const dateTime = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const short = (sha) => (sha ? `${sha.slice(0, 12)}…` : '');
const json = (v) => h('pre', { class: 'mono' }, JSON.stringify(v, null, 2));
const details = (key, label, ...body) => h('details', { 'data-key': key }, h('summary', {}, label), ...body);

const TONE = {
  completed: 'ok',
  promoted: 'ok',
  passed: 'ok',
  pass: 'ok',
  held: 'info',
  'in-progress': 'info',
  extend: 'warn',
  unchanged: 'muted',
  superseded: 'warn',
  aborted: 'warn',
  skipped: 'muted',
};
const badge = (text) => h('span', { class: `badge ${TONE[text] ?? 'bad'}` }, text);

function versionLabel(version) {
  const mark = h('span', {}, '●');
  // A CSSOM property, not a style attribute: the page's CSP allows no inline styles.
  mark.style.color = colorOf(version);
  return h('span', {}, mark, ` v${version}`);
}

export function renderProblems(el, problems) {
  el.hidden = problems.length === 0;
  el.replaceChildren(
    h('strong', {}, 'Some parts could not be read:'),
    h(
      'ul',
      {},
      problems.map((p) => h('li', {}, p)),
    ),
  );
}

export function renderLive(el, snap) {
  const a = snap.live;
  if (!a) {
    el.replaceChildren(
      h('p', {}, `Alias ${snap.target.alias} does not exist yet (no rollout has finished).`),
    );
    return;
  }
  const model = snap.versions.find((v) => v.version === a.primary);
  el.replaceChildren(
    h(
      'div',
      { class: 'live' },
      h(
        'div',
        {},
        h('div', { class: 'muted' }, `primary (${pct(1 - (a.candidate?.weight ?? 0))})`),
        h('div', { class: 'big', id: 'live-primary', 'data-version': a.primary }, versionLabel(a.primary)),
      ),
      h(
        'div',
        {},
        h('div', { class: 'muted' }, 'candidate'),
        a.candidate
          ? h(
              'div',
              { class: 'big', id: 'live-candidate', 'data-version': a.candidate.version },
              versionLabel(a.candidate.version),
              h('span', { class: 'muted' }, ` at ${pct(a.candidate.weight)}`),
            )
          : h('div', { class: 'big muted', id: 'live-candidate' }, 'none'),
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'model'),
        h('dd', { class: 'mono' }, model?.modelKey ?? model?.pinnedKey ?? '?'),
        h('dt', {}, 'sha256'),
        h('dd', { class: 'mono', title: model?.sha256 ?? '' }, short(model?.sha256)),
        h('dt', {}, 'released by'),
        h('dd', { class: 'mono' }, model?.execution ?? '—'),
      ),
    ),
    inFlight(snap.inFlight),
  );
}

function inFlight(f) {
  if (!f) return h('p', { class: 'muted', id: 'in-flight' }, 'no rollout in flight');
  const bake = f.bake
    ? ` — bake ${f.bake.step}/${f.bake.steps} at ${pct(f.bake.weight)}, gate in ${f.bake.secondsLeft} s${f.bake.extensions ? ` (${f.bake.extensions} extensions)` : ''}`
    : '';
  return h(
    'p',
    { id: 'in-flight' },
    'in flight: ',
    h('span', { class: 'mono' }, f.execution),
    ' ',
    badge(f.status),
    ` ${f.strategy ?? ''}${f.version ? ` v${f.version}` : ''}${f.state ? ` in ${f.state}` : ''}${bake}`,
  );
}

/** A version's share of the alias's traffic now (0–1). */
function shareOf(live, version) {
  if (!live) return 0;
  const weight = live.candidate?.weight ?? 0;
  return (live.primary === version ? 1 - weight : 0) + (live.candidate?.version === version ? weight : 0);
}

export function renderTraffic(el, windowEl, snap) {
  const m = snap.metrics;
  windowEl.textContent = `— last ${Math.round(snap.windowSeconds / 60)} min, ${snap.periodSeconds} s periods, Lambda metrics by ExecutedVersion on :${snap.target.alias}`;
  if (!m) {
    el.replaceChildren(h('p', { class: 'muted' }, 'no metrics (see above)'));
    return;
  }
  const charts = ['requests', 'errors', 'latency'].map((id) => h('div', { id: `chart-${id}` }));
  el.replaceChildren(...charts);
  const perVersion = (pick, extra = {}) =>
    m.versions.map((v) => ({ label: `v${v.version}`, values: pick(v), color: colorOf(v.version), ...extra }));
  timeChart(charts[0], {
    title: `Requests per ${m.periodSeconds} s`,
    unit: 'requests',
    times: m.times,
    series: perVersion((v) => v.invocations),
    yMin: 0,
  });
  timeChart(charts[1], {
    title: 'Error rate (Lambda Errors ÷ Invocations)',
    unit: '%',
    times: m.times,
    series: perVersion((v) => v.errorRate.map((r) => (r === null ? null : r * 100))),
    yMin: 0,
  });
  timeChart(charts[2], {
    title: 'Latency (Duration p50 dashed, p99 solid)',
    unit: 'ms',
    times: m.times,
    series: [
      ...perVersion((v) => v.p99Ms).map((s) => ({ ...s, label: `${s.label} p99` })),
      ...perVersion((v) => v.p50Ms, { dash: [6, 4] }).map((s) => ({ ...s, label: `${s.label} p50` })),
    ],
    yMin: 0,
  });
}

/** Short values inline; long ones (feature lists, the reference vehicle) behind a click. */
function training(meta, key) {
  const entries = Object.entries(meta);
  if (entries.length === 0) return h('span', { class: 'muted' }, '—');
  const pairs = (list) =>
    h(
      'dl',
      { class: 'mono' },
      list.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
  const short = entries.filter(([, v]) => v.length <= 48);
  const long = entries.filter(([, v]) => v.length > 48);
  return h(
    'div',
    {},
    pairs(short),
    long.length > 0 ? details(key, `${long.map(([k]) => k).join(', ')}`, pairs(long)) : null,
  );
}

export function renderVersions(el, snap) {
  if (snap.versions.length === 0) {
    el.replaceChildren(h('p', { class: 'muted' }, 'no published versions'));
    return;
  }
  el.replaceChildren(
    h(
      'table',
      { id: 'versions-table' },
      h(
        'tr',
        {},
        ['version', 'share now', 'published', 'model', 'sha256', 'training metadata', 'released by'].map(
          (t) => h('th', {}, t),
        ),
      ),
      snap.versions.map((v) =>
        h(
          'tr',
          { 'data-version': v.version },
          h('td', {}, versionLabel(v.version)),
          h('td', {}, shareOf(snap.live, v.version) > 0 ? pct(shareOf(snap.live, v.version)) : '—'),
          h('td', {}, dateTime(v.publishedAt)),
          h(
            'td',
            { class: 'mono' },
            v.sourceKey ?? '',
            h('br'),
            h('span', { class: 'muted' }, v.modelKey ?? ''),
          ),
          h('td', { class: 'mono', title: v.sha256 ?? '' }, short(v.sha256)),
          h('td', {}, training(v.training, `training-${v.version}`)),
          h('td', { class: 'mono' }, v.execution ?? ''),
        ),
      ),
    ),
  );
}

/** The rollout version's share of the alias after each weight change, stepped, up to its end. */
function shareSeries(d, generatedAt) {
  const version = d.rollout.version;
  const share = (w) =>
    (w.primary === version ? 1 - (w.candidate ? w.weight : 0) : 0) + (w.candidate === version ? w.weight : 0);
  const points = [{ at: d.rollout.startedAt, v: 0 }, ...d.weights.map((w) => ({ at: w.at, v: share(w) }))];
  points.push({ at: d.rollout.endedAt ?? generatedAt, v: points.at(-1).v });
  return { times: points.map((p) => Date.parse(p.at) / 1000), values: points.map((p) => p.v * 100) };
}

function gatesTable(d) {
  if (d.gates.length === 0) return h('p', { class: 'muted' }, 'no gate decisions');
  return h(
    'table',
    { class: 'gates' },
    h(
      'tr',
      {},
      ['time', 'step', 'weight', 'decision', 'reasons'].map((t) => h('th', {}, t)),
    ),
    d.gates.map((g, i) =>
      h(
        'tr',
        {},
        h('td', {}, time(g.at)),
        h('td', {}, String(g.step)),
        h('td', {}, pct(g.weight)),
        h('td', {}, badge(g.decision)),
        h(
          'td',
          {},
          g.reasons.join('; ') || '—',
          details(`${d.rollout.execution}-gate-${i}`, 'evidence', json(g.evidence ?? null)),
        ),
      ),
    ),
  );
}

function validation(d) {
  const report = d.validation;
  if (!report) return h('p', { class: 'muted' }, 'no validation report');
  return h(
    'div',
    {},
    h(
      'p',
      {},
      badge(report.passed ? 'passed' : 'failed'),
      ' ',
      h('span', { class: 'mono muted' }, report.key),
    ),
    h(
      'table',
      { class: 'checks' },
      h(
        'tr',
        {},
        ['check', 'status', 'summary'].map((t) => h('th', {}, t)),
      ),
      report.checks.map((c) =>
        h('tr', {}, h('td', { class: 'mono' }, c.name), h('td', {}, badge(c.status)), h('td', {}, c.summary)),
      ),
    ),
    details(`${d.rollout.execution}-report`, 'full report', json(report)),
  );
}

function rolloutHead(r, plan) {
  const what =
    r.kind === 'command'
      ? `command ${r.command?.command ?? '?'}${r.command?.from ? `: v${r.command.from} → v${r.command.to}` : ''}`
      : plan
        ? `${plan.strategy}${plan.schedule.length > 0 ? ` ${plan.schedule.map(pct).join(' → ')}` : ''}${plan.hold ? ' (held)' : ''}`
        : 'no plan';
  return h(
    'div',
    { class: 'rollout-head' },
    h('strong', { class: 'mono' }, r.execution),
    badge(r.status),
    h('span', {}, what),
    r.version ? versionLabel(r.version) : null,
    r.modelKey
      ? h('span', { class: 'mono muted', title: r.sha256 ?? '' }, `${r.modelKey} ${short(r.sha256)}`)
      : null,
    h('span', { class: 'muted' }, `${dateTime(r.startedAt)} → ${r.endedAt ? time(r.endedAt) : 'now'}`),
  );
}

function rolloutCard(d) {
  const r = d.rollout;
  const chart = h('div', { class: 'weights-chart' });
  const experiment = h('div', { class: 'experiment' });
  const card = h(
    'div',
    { class: 'card rollout', 'data-execution': r.execution },
    rolloutHead(r, d.plan),
    r.reason ? h('p', { class: 'bad' }, r.reason) : null,
    r.kind === 'command'
      ? null
      : h(
          'div',
          { class: 'rollout-body' },
          h('div', {}, chart, h('h3', {}, 'Gates'), gatesTable(d)),
          h('div', {}, h('h3', {}, 'Validation'), validation(d)),
        ),
    r.experiment ? experiment : null,
  );
  return { card, chart, experiment };
}

export function renderRollouts(el, snap) {
  const open = new Set([...el.querySelectorAll('details[open]')].map((d) => d.dataset.key));
  if (snap.rollouts.length === 0) {
    el.replaceChildren(h('p', { class: 'muted' }, 'no rollouts recorded yet'));
    return;
  }
  const cards = snap.rollouts.map((d) => ({ d, ...rolloutCard(d) }));
  el.replaceChildren(...cards.map((c) => c.card));
  for (const details of el.querySelectorAll('details'))
    if (open.has(details.dataset.key)) details.open = true;
  for (const { d, chart, experiment } of cards) {
    if (d.rollout.experiment) renderExperiment(experiment, d.rollout.experiment);
    if (d.rollout.kind === 'command' || !d.rollout.version) continue;
    const s = shareSeries(d, snap.generatedAt);
    timeChart(chart, {
      title: `Share of v${d.rollout.version} on :${snap.target.alias}`,
      unit: '%',
      times: s.times,
      series: [
        {
          label: `v${d.rollout.version}`,
          values: s.values,
          color: colorOf(d.rollout.version),
          stepped: true,
        },
      ],
      yMin: 0,
    });
  }
}

/** An automatic A/B experiment's latest look: the verdict, the difference, and each arm side by side. */
function renderExperiment(el, look) {
  const r = look.readout ?? {};
  const arms = [r.primary, r.candidate].filter(Boolean);
  const d = r.difference;
  const num = (v, digits = 3) => (typeof v === 'number' ? String(Number(v.toPrecision(digits))) : '—');
  const interval = (i) => (i ? `[${num(i[0] ?? i.lower)}, ${num(i[1] ?? i.upper)}]` : '—');
  const armName = (a) => (a === r.primary ? 'primary' : 'candidate');
  const summary = h(
    'p',
    {},
    `look ${look.look} of ${look.of} · decision `,
    badge(look.decision),
    r.verdict ? [' · verdict ', badge(r.verdict)] : null,
    d
      ? ` · normalised error candidate − primary ${num(d.estimate)}${d.relative !== null && d.relative !== undefined ? ` (${pct(d.relative)})` : ''}, 95 % CI ${interval(d.ci95)}, p = ${num(d.p_value, 2)}`
      : '',
    r.needed_feedback ? ` · ${r.needed_feedback} more feedbacks needed` : '',
  );
  const table = h(
    'table',
    { class: 'arms' },
    h(
      'tr',
      {},
      ['arm', 'version', 'requests', 'error rate', 'p50', 'p99', 'feedback', 'normalised error'].map((t) =>
        h('th', {}, t),
      ),
    ),
    arms.map((a) =>
      h(
        'tr',
        {},
        h('td', {}, armName(a)),
        h('td', {}, versionLabel(a.version)),
        h('td', {}, num(a.requests, 6)),
        h('td', {}, a.error_rate === null ? '—' : pct(a.error_rate)),
        h('td', {}, `${num(a.latency_ms?.p50)} ms`),
        h('td', {}, `${num(a.latency_ms?.p99)} ms`),
        h('td', {}, num(a.feedback, 6)),
        h(
          'td',
          {},
          a.normalised_error ? `${num(a.normalised_error.mean)} ± ${num(a.normalised_error.sd)}` : '—',
        ),
      ),
    ),
  );
  const errorChart = h('div', { class: 'arm-chart' });
  const latencyChart = h('div', { class: 'arm-chart' });
  el.replaceChildren(
    h('h3', {}, 'Experiment'),
    summary,
    look.reasons?.length ? h('p', { class: 'muted' }, look.reasons.join('; ')) : null,
    table,
    h('div', { class: 'charts' }, errorChart, latencyChart),
    details(`experiment-${look.at}`, 'readout', json(look)),
  );
  const targets = [...new Set(arms.flatMap((a) => Object.keys(a.mae ?? {})))];
  const bar = (a, value, ci) => ({
    label: `${armName(a)} v${a.version}`,
    value,
    ...(ci ? { lo: ci[0] ?? ci.lower, hi: ci[1] ?? ci.upper } : {}),
    color: colorOf(a.version),
  });
  barChart(errorChart, {
    title: 'Mean absolute error per target (95 % CI)',
    unit: '',
    groups: [
      { label: 'normalised error', bars: arms.map((a) => bar(a, a.normalised_error?.mean ?? null)) },
      ...targets.map((t) => ({
        label: t,
        bars: arms.map((a) => bar(a, a.mae?.[t]?.mean ?? null, a.mae?.[t]?.ci95)),
      })),
    ],
  });
  barChart(latencyChart, {
    title: 'Latency per arm',
    unit: 'ms',
    groups: ['p50', 'p99'].map((p) => ({
      label: p,
      bars: arms.map((a) => bar(a, a.latency_ms?.[p] ?? null)),
    })),
  });
}
