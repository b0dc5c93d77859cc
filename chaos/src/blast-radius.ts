/** Picks a fault's victims from the candidates, as its target's mode says (Chaos Mesh's selector modes). */
import type { Target } from './schema';

export function selectTargets(target: Target, candidates: string[], random: () => number = Math.random): string[] {
  const pool = [...candidates];
  if (pool.length === 0) return [];
  switch (target.mode) {
    case 'all':
      return pool;
    case 'one':
      return [pool[Math.floor(random() * pool.length)]!];
    case 'percent': {
      const count = Math.max(1, Math.ceil((pool.length * (target.percent ?? 100)) / 100));
      return shuffle(pool, random).slice(0, count).sort();
    }
    case 'match': {
      const pattern = new RegExp(target.match ?? '.*');
      return pool.filter((c) => pattern.test(c));
    }
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
