import { renderLive, renderProblems, renderRollouts, renderTraffic, renderVersions } from './render.js';

/**
 * Polls GET /dashboard/data.json every `refreshSeconds` (the server says how often) and re-renders
 * each section whose data changed. Read-only: the page never sends anything but GETs.
 */
const $ = (id) => document.getElementById(id);
const last = new Map();
let refreshSeconds = 3;

/** Re-renders a section only when its part of the snapshot changed (charts are rebuilt). */
function section(name, value, render) {
  const text = JSON.stringify(value);
  if (last.get(name) === text) return;
  last.set(name, text);
  render();
}

function show(snap) {
  const t = snap.target;
  $('source').textContent =
    `${t.functionName}:${t.alias} · s3://${t.bucket} · ${t.endpoint ?? `AWS ${t.region}`}`;
  $('updated').textContent = new Date(snap.generatedAt).toLocaleTimeString();
  $('updated').dateTime = snap.generatedAt;
  section('problems', snap.problems, () => renderProblems($('problems'), snap.problems));
  section('live', [snap.live, snap.versions, snap.inFlight], () => renderLive($('live'), snap));
  section('traffic', snap.metrics, () => renderTraffic($('traffic'), $('window'), snap));
  section('versions', [snap.live, snap.versions], () => renderVersions($('versions'), snap));
  // An in-progress rollout's weights are drawn up to the snapshot's time: redrawn on every poll.
  const running = snap.rollouts.some((d) => d.rollout.status === 'in-progress');
  section('rollouts', [snap.rollouts, running && snap.generatedAt], () =>
    renderRollouts($('rollouts'), snap),
  );
}

async function poll() {
  const status = $('status');
  try {
    const res = await fetch('/dashboard/data.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    const snap = await res.json();
    refreshSeconds = snap.refreshSeconds ?? refreshSeconds;
    show(snap);
    status.textContent = 'live';
    status.className = 'badge ok';
    status.title = '';
  } catch (err) {
    status.textContent = 'stale';
    status.className = 'badge bad';
    status.title = String(err);
  }
  setTimeout(poll, refreshSeconds * 1000);
}

poll();
