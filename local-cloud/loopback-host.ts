import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * DNS rebinding guard for both ports. A web page the developer opens can make the browser send
 * requests to 127.0.0.1 under the page's own host name (rebound to 127.0.0.1), so the browser's
 * same-origin rule does not protect a loopback server: the `Host` header is what tells such a request
 * apart. Only loopback names reach the services — `localhost`, `*.localhost` (S3's virtual-hosted
 * `<bucket>.localhost`), 127.0.0.0/8 and `[::1]`, any port — plus the address the cloud was told to
 * listen on (`--host`), so a deliberate LAN binding still answers requests addressed to it.
 */
const LOCALHOST = /^(?:[a-z0-9-]+\.)*localhost\.?$/i;
const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The host name of a `Host` header value, without its port (IPv6 literals keep their brackets). */
export function hostName(host: string): string {
  const bracketed = /^(\[[^\]]*\])(?::\d*)?$/.exec(host);
  if (bracketed) return (bracketed[1] as string).toLowerCase();
  return host.replace(/:\d*$/, '').toLowerCase();
}

export function isAllowedHost(host: string | undefined, boundHost?: string): boolean {
  if (!host) return false;
  const name = hostName(host);
  if (LOCALHOST.test(name) || IPV4_LOOPBACK.test(name) || name === '[::1]') return true;
  if (!boundHost) return false;
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost;
  return name === bound.toLowerCase();
}

/**
 * Answers 403 and returns true when the request's `Host` is not allowed. AWS has no counterpart
 * (its endpoints are public names), so the answer is plain text that says why.
 */
export function refuseForeignHost(req: IncomingMessage, res: ServerResponse, boundHost?: string): boolean {
  if (isAllowedHost(req.headers.host, boundHost)) return false;
  const text = `Host '${req.headers.host ?? ''}' is not a loopback name: the local cloud answers only requests addressed to localhost, *.localhost, 127.0.0.0/8 or [::1] (DNS rebinding protection)\n`;
  req.resume();
  res.writeHead(403, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  });
  res.end(text);
  return true;
}

/** Whether a listen address reaches only this machine (anything else deserves a loud warning). */
export function isLoopbackBinding(host: string): boolean {
  return isAllowedHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}
