/**
 * The order in which the implementations of one benchmark cell run, rotated at each repetition.
 *
 * Why: on this 2-core VM a transfer's speed depends on what ran just before it. Measured by hand
 * (1 GiB aes128-gcm downloads, ssh -> hushd / sshd, pinned): the server's CPU per GiB for the same
 * work, same syscall counts, varied 0.72-0.96 s from one run to the next. Run in a fixed order,
 * the implementation that always comes first (after the library pairs' processes have churned
 * through gigabytes) takes that slot's conditions in every repetition; rotated, each takes each
 * slot in turn.
 */
export function rotated<T>(xs: readonly T[], by: number): T[] {
  const n = xs.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...xs.slice(k), ...xs.slice(0, k)];
}
