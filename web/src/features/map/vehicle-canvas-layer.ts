// Every vehicle as a circleMarker on ONE shared canvas renderer: thousands of moving vehicles redraw in one pass
// per frame instead of thousands of DOM or SVG nodes.
import L from 'leaflet';
import type { Vehicle } from '../vehicles/vehicle-store';

export interface VehicleStyle {
  color: string;
  radius: number;
  /** Finished trips stay on the map, faded. */
  faded: boolean;
}

/** What the session needs of the vehicle layer; a fake in tests, Leaflet in the app. */
export interface VehicleLayer {
  upsert(vehicle: Vehicle, style: VehicleStyle): void;
  remove(tripIds: readonly string[]): void;
  readonly size: number;
  latLngOf(tripId: string): [number, number] | undefined;
  destroy(): void;
}

const styleKey = (s: VehicleStyle): string => `${s.color}|${s.radius}|${s.faded ? 1 : 0}`;

export class LeafletVehicleLayer implements VehicleLayer {
  private readonly renderer: L.Canvas;
  private readonly group: L.LayerGroup;
  private readonly markers = new Map<string, { marker: L.CircleMarker; style: string }>();

  constructor(
    map: L.Map,
    private readonly onClick: (tripId: string) => void,
  ) {
    // Tolerance widens the click target: a 4 px dot is hard to hit.
    this.renderer = L.canvas({ padding: 0.2, tolerance: 4 });
    this.group = L.layerGroup().addTo(map);
  }

  get size(): number {
    return this.markers.size;
  }

  upsert(vehicle: Vehicle, style: VehicleStyle): void {
    const key = styleKey(style);
    const entry = this.markers.get(vehicle.tripId);
    if (!entry) {
      const marker = L.circleMarker([vehicle.lat, vehicle.lng], { renderer: this.renderer, ...pathOptions(style) });
      marker.on('click', () => this.onClick(vehicle.tripId));
      this.group.addLayer(marker);
      this.markers.set(vehicle.tripId, { marker, style: key });
      return;
    }
    const at = entry.marker.getLatLng();
    if (at.lat !== vehicle.lat || at.lng !== vehicle.lng) entry.marker.setLatLng([vehicle.lat, vehicle.lng]);
    if (entry.style !== key) {
      entry.marker.setStyle(pathOptions(style));
      entry.marker.setRadius(style.radius);
      entry.style = key;
    }
  }

  remove(tripIds: readonly string[]): void {
    for (const tripId of tripIds) {
      const entry = this.markers.get(tripId);
      if (!entry) continue;
      this.group.removeLayer(entry.marker);
      this.markers.delete(tripId);
    }
  }

  latLngOf(tripId: string): [number, number] | undefined {
    const entry = this.markers.get(tripId);
    if (!entry) return undefined;
    const { lat, lng } = entry.marker.getLatLng();
    return [lat, lng];
  }

  destroy(): void {
    this.group.remove();
    this.markers.clear();
  }
}

function pathOptions(style: VehicleStyle): L.CircleMarkerOptions {
  return {
    radius: style.radius,
    color: '#ffffff',
    weight: style.radius > 5 ? 2 : 1,
    fillColor: style.color,
    fillOpacity: style.faded ? 0.35 : 0.95,
    opacity: style.faded ? 0.4 : 1,
  };
}
