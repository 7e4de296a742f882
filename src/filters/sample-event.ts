import { createHash } from 'node:crypto';
import { readPath, splitFieldPath } from './read-path.ts';

/**
 * Maps any JSON value to a stable number in [0, 1): the first 48 bits of the sha256 of its JSON.
 * A missing value hashes as null, so every event without the field lands in the same bucket; that
 * keeps the decision reproducible instead of quietly falling back to random.
 */
export function sampleBucket(value: unknown): number {
  const digest = createHash('sha256')
    .update(JSON.stringify(value ?? null) ?? 'null')
    .digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Whether a SAMPLE action keeps `event`. With a path the answer depends only on the value there, so a
 * user is consistently in or out, and two samples on the same path nest (a 10% sample is a subset of
 * a 50% one) because no per-filter salt is mixed in.
 */
export function keepsSample(
  event: unknown,
  percent: number,
  path: string | undefined,
  random: () => number,
): boolean {
  if (percent >= 1) return true;
  if (percent <= 0) return false;
  if (path === undefined) return random() < percent;
  const segments = splitFieldPath(path) ?? [];
  return sampleBucket(readPath(event, segments)) < percent;
}
