// Where the map should look: a bounding box and a sequence number, so the same box asked twice still moves the map.
import { Observable } from '../../lib/observable';

export interface MapFocus {
  /** [[south, west], [north, east]] */
  bounds: [[number, number], [number, number]];
  seq: number;
}

export class MapFocusRoom {
  readonly focus = new Observable<MapFocus | null>(null);
  private seq = 0;

  /** Fits the map to `[lng, lat]` points. */
  focusOn(lngLats: ReadonlyArray<readonly [number, number]>): void {
    if (lngLats.length === 0) return;
    let south = Infinity, west = Infinity, north = -Infinity, east = -Infinity;
    for (const [lng, lat] of lngLats) {
      south = Math.min(south, lat);
      north = Math.max(north, lat);
      west = Math.min(west, lng);
      east = Math.max(east, lng);
    }
    this.focus.set({ bounds: [[south, west], [north, east]], seq: ++this.seq });
  }
}
