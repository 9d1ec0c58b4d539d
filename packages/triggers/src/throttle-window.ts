import type { ThrottleRules } from "./store.js";

// The sliding-window rule both stores apply, so memoryStore and dynamoDbStore
// decide every hit alike; they differ only in where the send times are kept.

/** The outcome of one throttle decision over the recorded send times. */
export type SendPlan =
  | { allowed: true; sends: number[] }
  | { allowed: false; retryAfterMs: number };

/**
 * Decides a send at `nowMs` against the recorded `sends` (ascending). When
 * allowed, returns the new list: old entries that no rule can see any more
 * pruned, the new send appended.
 */
export function planSend(sends: readonly number[], nowMs: number, rules: ThrottleRules): SendPlan {
  const last = sends[sends.length - 1];
  const at = last === undefined ? nowMs : Math.max(nowMs, last);
  let wait = 0;
  if (last !== undefined) wait = Math.max(wait, last + rules.minIntervalMs - at);
  const inWindow = sends.filter((t) => at - t < rules.windowMs);
  if (inWindow.length >= rules.maxPerWindow) {
    // The send that must leave the window before one more fits.
    const leaving = inWindow[inWindow.length - rules.maxPerWindow]!;
    wait = Math.max(wait, leaving + rules.windowMs - at);
  }
  if (wait > 0) return { allowed: false, retryAfterMs: at - nowMs + wait };
  const keep = horizon(rules);
  return { allowed: true, sends: [...sends.filter((t) => at - t < keep), at] };
}

/** How long a recorded send can still matter to either rule. */
export function horizon(rules: ThrottleRules): number {
  return Math.max(rules.windowMs, rules.minIntervalMs);
}
