import type { StatusView, VersionView } from '../read-model/views.js';
import { bar, duration, type Paint, percent, short, time } from './paint.js';
import { experimentLine } from './timeline.js';

/** Alias live, the recent versions and the rollout in flight. */

const TRAINING_KEYS = ['model_name', 'model_kind', 'trained_at'];

function versionLine(v: VersionView, role: string, paint: Paint): string {
  const training = TRAINING_KEYS.flatMap((k) => (v.training[k] ? [`${k}=${v.training[k]}`] : [])).join(' ');
  return `  ${paint(role ? 'bold' : 'dim', `v${v.version}`.padEnd(5))} ${role.padEnd(10)} ${v.modelKey ?? '—'}  sha256 ${short(v.sha256)}${v.publishedAt ? `  published ${time(v.publishedAt)}` : ''}${training ? `  ${training}` : ''}`;
}

export function renderStatus(s: StatusView, paint: Paint): string {
  const t = s.target;
  const lines = [
    paint('dim', `${t.functionName}:${t.alias} · s3://${t.bucket} · ${t.endpoint ?? `AWS ${t.region}`}`),
  ];
  if (!s.live) lines.push(`alias ${t.alias} does not exist yet: nothing rolled out`);
  else {
    const c = s.live.candidate;
    lines.push(
      c
        ? `live: version ${s.live.primary} ${percent(1 - c.weight)} · candidate version ${c.version} ${bar(c.weight)} ${percent(c.weight)}`
        : `live: version ${s.live.primary} ${paint('green', '100 %')}`,
    );
  }
  lines.push('', paint('bold', 'versions'));
  for (const v of s.versions) {
    const role =
      v.version === s.live?.primary ? 'primary' : v.version === s.live?.candidate?.version ? 'candidate' : '';
    lines.push(versionLine(v, role, paint));
  }
  lines.push('', paint('bold', 'rollout in flight'));
  const f = s.inFlight;
  if (!f) lines.push('  none');
  else {
    lines.push(
      `  execution ${f.execution}  ${f.modelKey ?? ''} → ${f.strategy ?? '?'}${f.version ? ` (version ${f.version})` : ''}`,
    );
    lines.push(`  state ${f.state ?? f.status}`);
    if (f.bake) {
      lines.push(
        `  step ${f.bake.step} of ${f.bake.steps}: ${bar(f.bake.weight)} ${percent(f.bake.weight)}, gate in ${duration(f.bake.secondsLeft)}`,
      );
    }
    if (f.experiment) lines.push(experimentLine(f.experiment, paint));
  }
  for (const p of s.problems) lines.push(paint('yellow', `! ${p}`));
  return lines.join('\n');
}
