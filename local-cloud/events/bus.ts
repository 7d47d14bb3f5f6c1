import { randomUUID } from 'node:crypto';
import type { Log } from '../log.js';
import { type EventPattern, matchesPattern } from './pattern.js';

/**
 * The default event bus, in-process: rules of (pattern → target). A target gets the whole event, as
 * an EventBridge rule with a Step Functions target and no input transformer delivers it.
 * Delivery is asynchronous and never fails the producer (EventBridge retries and then drops; here a
 * failed delivery is logged).
 */
export interface EventRule {
  name: string;
  pattern: EventPattern;
  target: (event: Record<string, unknown>) => Promise<unknown>;
}

export class EventBus {
  private readonly rules = new Map<string, EventRule>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly log: Log = () => {}) {}

  putRule(rule: EventRule): void {
    this.rules.set(rule.name, rule);
  }

  removeRule(name: string): void {
    this.rules.delete(name);
  }

  /** Returns the names of the rules that matched (delivery continues in the background). */
  putEvent(event: Record<string, unknown>): string[] {
    const matched: string[] = [];
    for (const rule of this.rules.values()) {
      if (!matchesPattern(rule.pattern, event)) continue;
      matched.push(rule.name);
      const delivery = rule
        .target(event)
        .catch((err: unknown) =>
          this.log(
            `events: rule ${rule.name} failed to deliver ${String(event.id ?? randomUUID())}: ${String(err)}`,
            'error',
          ),
        )
        .finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
    return matched;
  }

  /**
   * Delivers an event to every matching rule's target and waits: rejects if any target failed, so
   * a producer that must not lose the event (sfn/status-events.ts) keeps it and tries again. An
   * event no rule matches is delivered (EventBridge drops it too).
   */
  async deliver(event: Record<string, unknown>): Promise<void> {
    const matching = [...this.rules.values()].filter((rule) => matchesPattern(rule.pattern, event));
    const results = await Promise.allSettled(matching.map((rule) => rule.target(event)));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [[matching[i]?.name, r.reason]] : [],
    );
    if (failed.length > 0)
      throw new Error(`events: ${failed.map(([name, err]) => `rule ${name}: ${String(err)}`).join('; ')}`);
  }

  /** Waits for deliveries in flight (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
