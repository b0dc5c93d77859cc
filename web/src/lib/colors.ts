// Distinct colours for trips and fleets: the first colour no live item uses, so two running trips never share one.
export const PALETTE = [
  '#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0fa3b1', '#f032e6', '#9a6324',
  '#800000', '#469990', '#000075', '#808000', '#e377c2', '#17becf',
] as const;

/** Fleets walk the palette from the other end, so a fleet rarely shares a colour with a single trip. */
export const FLEET_PALETTE: readonly string[] = [...PALETTE].reverse();

export function pickColor(inUse: Iterable<string>, index: number, palette: readonly string[] = PALETTE): string {
  const used = new Set(inUse);
  const free = palette.find((c) => !used.has(c));
  return free ?? palette[index % palette.length]!;
}
