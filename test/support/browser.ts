import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { it, type TestFunction } from 'vitest';

/**
 * A real headless browser for tests: Debian's chromium (HYPERMOB_CHROMIUM, default /usr/bin/chromium)
 * driven by playwright-core — never a browser that Playwright downloads. Without it the tests that
 * need it are skipped with the reason; HYPERMOB_REQUIRE_BROWSER=1 (CI) makes that a failure.
 */
export const CHROMIUM = process.env.HYPERMOB_CHROMIUM || '/usr/bin/chromium';

/**
 * The machine reaches no network but npm's and Debian's: without the background-networking flags
 * Chromium's own connections (updates, sync, QUIC probes) are refused and logged as errors.
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function missing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `no executable ${CHROMIUM} (apt-get install chromium, or set HYPERMOB_CHROMIUM)`;
  }
}

const why = missing();
const required = process.env.HYPERMOB_REQUIRE_BROWSER === '1';

/** `it` for tests that drive the browser: skipped with the reason when there is none (failed if required). */
export function itWithBrowser(name: string, fn: TestFunction, timeout?: number): void {
  if (!why) return void it(name, fn, timeout);
  if (required) {
    return void it(name, () => {
      throw new Error(`browser required (HYPERMOB_REQUIRE_BROWSER=1): ${why}`);
    });
  }
  console.warn(`skipping "${name}": ${why}`);
  it(name, (ctx) => ctx.skip(why));
}

/** A fresh browser profile each time (a temporary --user-data-dir, removed on close). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'hypermob-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
