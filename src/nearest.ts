import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name closest to value, ignoring case, when it is close enough to
 * be a slip of the keyboard; undefined otherwise.
 */
export function nearest(value: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  const upper = known.map((name) => name.toUpperCase());
  const match = closest(value.toUpperCase(), upper);
  const close = distance(value.toUpperCase(), match) <= Math.max(2, Math.floor(match.length / 3));
  return close ? known[upper.indexOf(match)] : undefined;
}
