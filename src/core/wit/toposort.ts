// Dependency order of named items (interfaces and worlds of a package, or types of an interface). Among the items
// whose dependencies are all placed, the one that came first in the source goes next: that is the reference's rule,
// and the ids in the JSON depend on it.
import { Id } from './ast';
import { fail } from './witError';

/** `deps` maps each name, in source order, to the names it refers to. Returns the names in dependency order. */
export function toposort(kind: string, deps: Map<string, readonly Id[]>): string[] {
  const names = [...deps.keys()];
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const remaining = new Array<number>(names.length).fill(0);
  const reverse: number[][] = names.map(() => []);
  names.forEach((n, i) => {
    const edges = deps.get(n) ?? [];
    remaining[i] = edges.length;
    for (const edge of edges) {
      const j = index.get(edge.name);
      if (j === undefined) fail(edge.span, `${kind} \`${edge.name}\` does not exist`);
      reverse[j].push(i);
    }
  });

  const heap = new MinHeap();
  remaining.forEach((r, i) => { if (r === 0) heap.push(i); });
  const order: string[] = [];
  for (let i = heap.pop(); i !== undefined; i = heap.pop()) {
    order.push(names[i]);
    for (const j of reverse[i]) {
      remaining[j]--;
      if (remaining[j] === 0) heap.push(j);
    }
    reverse[i] = [];
  }
  if (order.length === names.length) return order;

  for (let i = 0; i < names.length; i++) {
    if (remaining[i] === 0) continue;
    for (const dep of deps.get(names[i]) ?? []) {
      const j = index.get(dep.name) ?? -1;
      if (remaining[j] === 0) continue;
      fail(dep.span, `${kind} \`${dep.name}\` depends on itself`);
    }
  }
  throw new Error('unreachable: cycle not found');
}

class MinHeap {
  private readonly items: number[] = [];

  push(v: number): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
