import { styleText } from 'node:util';

/**
 * How renderers colour text: `plain` for pipes, CI logs and --json neighbours, `ansi` for a
 * terminal. Renderers take it as a parameter and stay pure.
 */
export type Style = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';
export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;
export const ansi: Paint = (style, text) => styleText(style, text, { validateStream: false });

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  return stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb' ? ansi : plain;
}

export const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

export function percent(weight: number): string {
  return `${Number((weight * 100).toFixed(2))} %`;
}

/** `[██████░░░░░░░░░░░░░░]` for a weight 0–1. */
export function bar(weight: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, weight)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `2026-01-01 12:00:05` in UTC: logs compare across machines. */
export function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

export const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 12) : '—');
