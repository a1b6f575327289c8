// Shrinks a crashing input while it keeps crashing with the same outcome key (e.g. `crash:RangeError`): greedy
// delta debugging that removes ever smaller chunks — bytes for the loader targets; files, lines, tokens and then
// characters for WIT. In-process, so it is meant for crashes, not hangs.

import { Input, LoaderInput, ManifestInput, Outcome, runInput, TargetName, WitInput } from './targets';
import { tokenize } from './mutateWit';

const MAX_TRIES = 20_000;
const MAX_MS = 120_000;

/** Removes chunks of `units` (halving the chunk size) while `keeps` holds; returns the smallest list found. */
async function shrink<T>(units: readonly T[], keeps: (candidate: T[]) => Promise<boolean>, budget: { tries: number; until: number }): Promise<T[]> {
  let current = [...units];
  for (let size = Math.max(1, Math.floor(current.length / 2)); size >= 1; size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
    for (let i = 0; i < current.length && budget.tries > 0 && Date.now() < budget.until;) {
      const candidate = [...current.slice(0, i), ...current.slice(i + size)];
      budget.tries--;
      if (await keeps(candidate)) current = candidate; else i += size;
    }
  }
  return current;
}

export async function minimize(target: TargetName, input: Input, original: Outcome, log: (m: string) => void = () => {}): Promise<Input> {
  const budget = { tries: MAX_TRIES, until: Date.now() + MAX_MS };
  const same = async (candidate: Input) => {
    const o = await runInput(target, candidate);
    return o.kind === 'crash' && o.key === original.key;
  };
  if (target === 'loader-binary' || target === 'loader-manifest') {
    const bytesOf = (i: Input) => (target === 'loader-binary' ? (i as LoaderInput).bytes : (i as ManifestInput).payload);
    const make = (b: number[]): Input => target === 'loader-binary'
      ? { ...(input as LoaderInput), bytes: Uint8Array.from(b) }
      : { ...(input as ManifestInput), payload: Uint8Array.from(b) };
    const kept = await shrink([...bytesOf(input)], (b) => same(make(b)), budget);
    log(`${bytesOf(input).length} → ${kept.length} bytes`);
    return make(kept);
  }
  let wit = input as WitInput;
  // Whole files first (keeping at least one main file), then lines, tokens and characters of each file.
  const files = wit.main.map((f, i) => ({ g: -1, i, f })).concat(wit.deps.flatMap((d, g) => d.map((f, i) => ({ g, i, f }))));
  const rebuild = (list: typeof files): WitInput => ({
    ...wit,
    main: list.filter((x) => x.g < 0).map((x) => x.f),
    deps: wit.deps.map((_, g) => list.filter((x) => x.g === g).map((x) => x.f)).filter((d) => d.length > 0),
  });
  const keptFiles = await shrink(files, (list) => same(rebuild(list)), budget);
  wit = rebuild(keptFiles);
  for (const split of [(t: string) => t.split(/(?<=\n)/), tokenize, (t: string) => [...t]]) {
    const all = [...wit.main.map((f, i) => ({ g: -1, i })), ...wit.deps.flatMap((d, g) => d.map((_, i) => ({ g, i })))];
    for (const { g, i } of all) {
      const get = (w: WitInput) => (g < 0 ? w.main[i] : w.deps[g][i]);
      const withText = (w: WitInput, text: string): WitInput => g < 0
        ? { ...w, main: w.main.map((f, k) => (k === i ? { ...f, text } : f)) }
        : { ...w, deps: w.deps.map((d, dg) => (dg === g ? d.map((f, k) => (k === i ? { ...f, text } : f)) : d)) };
      const units = split(get(wit).text);
      const kept = await shrink(units, (u) => same(withText(wit, u.join(''))), budget);
      wit = withText(wit, kept.join(''));
    }
  }
  log(`${(input as WitInput).main.concat((input as WitInput).deps.flat()).reduce((n, f) => n + f.text.length, 0)} → ` +
    `${wit.main.concat(wit.deps.flat()).reduce((n, f) => n + f.text.length, 0)} characters`);
  return wit;
}
