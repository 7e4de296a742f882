/** What one purge step did, and whether it stopped at its limit somewhere (so another step should follow). */
export interface Step {
  readonly removed: number;
  readonly more: boolean;
}

/** Two steps' work as one. */
export function both(a: Step, b: Step): Step {
  return { removed: a.removed + b.removed, more: a.more || b.more };
}
