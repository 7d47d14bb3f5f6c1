// One Lambda execution environment: a Node 22 child process forked by environments.ts. It imports
// the bundle once (the init phase), then runs one invocation at a time, in the order the messages
// arrive: under load the parent sends the next calls before this one ends (environments.ts,
// "pipelining"), so they wait here, never overlap, and start without a round trip to the parent.
// Plain JavaScript so it starts without a TypeScript loader; the protocol is kept minimal because
// it sits on the hot path of every invoke.

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [codeDir, handlerSpec] = process.argv.slice(2);

function describeError(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || err.constructor?.name || 'Error',
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

async function loadHandler() {
  // Lambda's Node.js runtime refuses `..` in a handler; here it also keeps the import inside the
  // code directory (path.join below cannot leave it without `..`, absolute paths included).
  if (handlerSpec.includes('..')) {
    const e = new Error(
      `'${handlerSpec}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
    e.name = 'Runtime.MalformedHandlerName';
    throw e;
  }
  const dot = handlerSpec.lastIndexOf('.');
  const file = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  let mod;
  let lastErr;
  for (const ext of ['.mjs', '.js', '.cjs']) {
    try {
      mod = await import(pathToFileURL(path.join(codeDir, file + ext)).href);
      break;
    } catch (err) {
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes(file + ext)) throw err;
      lastErr = err;
    }
  }
  if (!mod) {
    const e = new Error(`Cannot find module '${file}'`, { cause: lastErr });
    e.name = 'Runtime.ImportModuleError';
    throw e;
  }
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') {
    const e = new Error(`${handlerSpec} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  return fn;
}

function invokeHandler(handler, event, context) {
  // Callback-style handlers (three parameters) are still supported by the Node.js runtime.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const maybe = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
    });
  }
  return handler(event, context);
}

const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME;
const FUNCTION_VERSION = process.env.AWS_LAMBDA_FUNCTION_VERSION;
const MEMORY = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;

async function run(handler, msg) {
  const deadline = msg.d;
  const context = {
    awsRequestId: msg.r,
    invokedFunctionArn: msg.a,
    functionName: FUNCTION_NAME,
    functionVersion: FUNCTION_VERSION,
    memoryLimitInMB: MEMORY,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  // The handler's own time, which Lambda reports as Duration (the parent's clock would add the hops).
  const started = performance.now();
  try {
    // JSON text from Invoke, or the API front's event object, which the channel already parsed.
    const event = typeof msg.e === 'string' ? JSON.parse(msg.e) : msg.e;
    const result = await invokeHandler(handler, event, context);
    const payload = result === undefined ? 'null' : JSON.stringify(result);
    deliver({ t: 'r', i: msg.i, p: payload ?? 'null', u: performance.now() - started });
  } catch (err) {
    deliver({ t: 'e', i: msg.i, p: JSON.stringify(describeError(err)), u: performance.now() - started });
  }
}

/**
 * Results go back together while more calls wait here and the calls are quick (under a
 * millisecond): one pipe write for several. A slow call (or the environment going idle) sends what
 * is held first, and nothing is held longer than a millisecond of waiting.
 */
const QUICK_MS = 1;
let held = [];
let holdTimer;
function sendHeld() {
  clearTimeout(holdTimer);
  holdTimer = undefined;
  if (held.length === 0) return;
  const results = held;
  held = [];
  process.send({ t: 'd', c: results });
}
function deliver(result) {
  held.push(result);
  if (received.length === 0 || result.u >= QUICK_MS) sendHeld();
  else holdTimer ??= setTimeout(sendHeld, QUICK_MS);
}
// A handler that ends the process must not lose the results held for the calls before it.
process.on('exit', sendHeld);

/** Calls received and not yet run, oldest first; `draining` while one of them runs. */
const received = [];
let draining = false;

async function drain(handler) {
  draining = true;
  while (received.length > 0) await run(handler, received.shift());
  draining = false;
}

// The parent (the local cloud) is gone, even if it was killed without a chance to stop us.
process.on('disconnect', () => process.exit(0));

try {
  const handler = await loadHandler();
  process.on('message', (msg) => {
    // A message carries the calls the parent sent in one turn of its event loop, in order.
    if (msg.t !== 'i') return;
    received.push(...msg.c);
    if (!draining) void drain(handler);
  });
  process.send({ t: 'ready' });
} catch (err) {
  process.send({ t: 'initError', p: JSON.stringify(describeError(err)) }, () => process.exit(1));
}
