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

  /** Waits for deliveries in flight (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
