import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { emptyState, type FunctionConfig, nameMap } from '../../local-cloud/lambda/model.js';
import { serveLambdaRest } from '../../local-cloud/lambda/rest-api.js';
import type { ServiceContext } from '../../local-cloud/lambda/service.js';
import { StateStore } from '../../local-cloud/lambda/store.js';

const config = (version: string): FunctionConfig => ({
  version,
  handler: 'index.handler',
  environment: nameMap(),
  memoryMb: 128,
  timeoutSeconds: 3,
  description: '',
  codeSha256: 'x',
  codeSize: 1,
  codeDir: 'code/x',
  revisionId: `r${version}`,
  lastModified: '2026-01-01T00:00:00.000+0000',
});

/** A context whose saves finish only when the test says so. */
function slowSavingContext() {
  const state = emptyState();
  state.functions.f = {
    name: 'f',
    latest: config('$LATEST'),
    updateCompletesAt: 0,
    versions: [config('1'), config('2')],
    nextVersion: 3,
    aliases: nameMap([
      ['live', { name: 'live', functionVersion: '1', description: '', weights: nameMap(), revisionId: 'a' }],
    ]),
  };
  const finishes: (() => void)[] = [];
  let saving = 0;
  const ctx = {
    state,
    clock: { now: () => 0 },
    region: 'eu-west-1',
    accountId: '111122223333',
    lambdaDir: '/nonexistent',
    settleMs: 0,
    pendingMs: 0,
    save: () => {
      saving += 1;
      return new Promise<void>((resolve) =>
        finishes.push(() => {
          saving -= 1;
          resolve();
        }),
      );
    },
    saving: () => saving > 0,
    saved: async () => {
      while (saving > 0) await new Promise((r) => setTimeout(r, 1));
    },
    invoke: () => Promise.reject(new Error('not used')),
  } as ServiceContext;
  const finishSaves = () => {
    for (const finish of finishes.splice(0)) finish();
  };
  return { ctx, finishSaves };
}

function call(ctx: ServiceContext, operation: string, method: string, body: unknown = undefined) {
  let answer: { status: number; body: Record<string, unknown> } | undefined;
  const res = {
    writeHead(status: number) {
      answer = { status, body: {} };
      return this;
    },
    end(text: string) {
      if (answer) answer.body = text ? JSON.parse(text) : {};
    },
  } as unknown as ServerResponse;
  const req = { url: '/2015-03-31/functions/f/aliases/live', method, headers: {} } as IncomingMessage;
  const done = serveLambdaRest(
    ctx,
    {
      route: { service: 'lambda', operation, params: { FunctionName: 'f', Name: 'live' } },
      req,
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
      caller: { kind: 'admin' },
    } as never,
    res,
  );
  return { done, answer: () => answer };
}

describe('local Lambda control plane: a change is visible only once it is saved', () => {
  it('GetAlias during an UpdateAlias waits for its save, then shows the saved weight', async () => {
    const { ctx, finishSaves } = slowSavingContext();
    const update = call(ctx, 'UpdateAlias', 'PUT', {
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } },
    });
    const read = call(ctx, 'GetAlias', 'GET');
    await new Promise((r) => setTimeout(r, 20));
    expect(update.answer()).toBeUndefined();
    expect(read.answer()).toBeUndefined(); // not answered from unsaved state
    finishSaves();
    await Promise.all([update.done, read.done]);
    expect(read.answer()?.body.RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.3 } });
  });

  it('the state store says when a save is running or queued', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/hm-store-'));
    const store = new StateStore(`${dir}/state.json`, emptyState);
    expect(store.saving).toBe(false);
    const first = store.save();
    const second = store.save();
    expect(store.saving).toBe(true);
    await store.saved();
    await Promise.all([first, second]);
    expect(store.saving).toBe(false);
  });
});
