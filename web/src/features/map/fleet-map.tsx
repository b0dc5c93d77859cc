// The Leaflet map: OpenStreetMap's tiles (fetched by the browser) over a plain background that is the offline
// fallback, route lines with start and end markers for this page's trips, the route lines of every vehicle on the
// road, and every vehicle on one canvas layer fed by the session.
import { useEffect, useMemo, useState } from 'react';
import L from 'leaflet';
import { MapContainer, Marker, Polyline, TileLayer, useMap } from 'react-leaflet';
import { useSession } from '../../app/session-context';
import { useObservable } from '../../lib/observable';
import type { LngLat, Route } from '../../lib/api-types';
import { LeafletVehicleLayer } from './vehicle-canvas-layer';
import { isActive, type UserTrip } from '../trips/trips-model';

const BRASILIA: [number, number] = [-15.7942, -47.8825];
const toLatLng = ([lng, lat]: LngLat): [number, number] => [lat, lng];

export function FleetMap() {
  const session = useSession();
  const { tileUrl, tileAttribution } = session.config;
  const [tileTrouble, setTileTrouble] = useState(false);
  const tiles = tileUrl === '' ? 'off' : tileTrouble ? 'unavailable' : 'on';
  return (
    <div className="map-wrap" data-testid="map-wrap" data-tiles={tiles}>
      <MapContainer center={BRASILIA} zoom={13} className="map" attributionControl={tileUrl !== ''} data-testid="map">
        {tileUrl ? (
          <TileLayer
            url={tileUrl}
            attribution={tileAttribution}
            eventHandlers={{ tileerror: () => setTileTrouble(true), tileload: () => setTileTrouble(false) }}
          />
        ) : null}
        <RoadRouteLines />
        <RouteOverlays />
        <VehicleLayerBridge />
        <FocusController />
      </MapContainer>
      {tiles === 'off' ? (
        <p className="map-note" data-testid="map-fallback">
          Plain background: the tile layer is off in this lab's config.json (<code>tileUrl: ""</code>).
        </p>
      ) : tiles === 'unavailable' ? (
        <p className="map-note" role="status" data-testid="map-fallback">
          Plain background: map tiles from {new URL(tileUrl.replace(/\{[a-z]+\}/g, '0'), window.location.href).host} could not be loaded (offline?).
        </p>
      ) : null}
    </div>
  );
}

/** Mounts the canvas vehicle layer on the map and hands it to the session; clicks select a trip. */
function VehicleLayerBridge() {
  const map = useMap();
  const session = useSession();
  useEffect(() => {
    const layer = new LeafletVehicleLayer(map, (tripId) => session.selectTrip(tripId));
    session.attachLayer(layer);
    return () => {
      session.detachLayer(layer);
      layer.destroy();
    };
  }, [map, session]);
  return null;
}

function FocusController() {
  const map = useMap();
  const session = useSession();
  const focus = useObservable(session.focus);
  useEffect(() => {
    if (!focus) return;
    const [[s, w], [n, e]] = focus.bounds;
    if (s === n && w === e) map.setView([s, w], Math.max(map.getZoom(), 15));
    else map.fitBounds(L.latLngBounds([s, w], [n, e]), { padding: [40, 40], maxZoom: 17 });
  }, [map, focus]);
  return null;
}

function pinIcon(kind: 'start' | 'end', color: string): L.DivIcon {
  return L.divIcon({
    className: 'pin-icon',
    html: `<span class="pin pin--${kind}" style="--pin:${color}">${kind === 'start' ? 'A' : 'B'}</span>`,
    iconSize: [22, 22],
    iconAnchor: [11, 11],
  });
}

/** The routes the vehicles on the road drive, thin, in their fleet's colour, on one canvas. */
function RoadRouteLines() {
  const session = useSession();
  const lines = useObservable(session.routesRoom.roadLines);
  const geometry = useObservable(session.routeGeometry);
  const renderer = useMemo(() => L.canvas({ padding: 0.2 }), []);
  return (
    <>
      {[...lines].map(([routeId, color]) => {
        const route = geometry.get(routeId);
        return route ? <RoadLine key={routeId} route={route} color={color} renderer={renderer} /> : null;
      })}
    </>
  );
}

function RoadLine({ route, color, renderer }: { route: Route; color: string; renderer: L.Renderer }) {
  const positions = useMemo(() => route.points.map(toLatLng), [route]);
  return <Polyline positions={positions} pathOptions={{ color, weight: 2, opacity: 0.45, interactive: false, renderer }} />;
}

function RouteOverlays() {
  const session = useSession();
  const trips = useObservable(session.trips);
  const geometry = useObservable(session.routeGeometry);
  const selectedRoute = useObservable(session.selectedRoute);
  // The selected route is previewed (dashed) until a trip of this page draws it in its own colour.
  const previewRoute = selectedRoute && !trips.some((t) => t.routeId === selectedRoute) ? geometry.get(selectedRoute) : undefined;
  return (
    <>
      {previewRoute ? <RouteLine route={previewRoute} color="#555" dashed faded={false} /> : null}
      {trips.map((trip) => {
        const route = geometry.get(trip.routeId);
        return route ? <TripRoute key={trip.key} trip={trip} route={route} /> : null;
      })}
    </>
  );
}

function TripRoute({ trip, route }: { trip: UserTrip; route: Route }) {
  const faded = !isActive(trip);
  return <RouteLine route={route} color={trip.color} dashed={false} faded={faded} />;
}

function RouteLine({ route, color, dashed, faded }: { route: Route; color: string; dashed: boolean; faded: boolean }) {
  const positions = useMemo(() => route.points.map(toLatLng), [route]);
  const start = route.startPosition ?? route.points[0];
  const end = route.endPosition ?? route.points[route.points.length - 1];
  const icons = useMemo(() => ({ start: pinIcon('start', color), end: pinIcon('end', color) }), [color]);
  return (
    <>
      <Polyline
        positions={positions}
        pathOptions={{ color, weight: 5, opacity: faded ? 0.35 : 0.8, dashArray: dashed ? '6 8' : undefined, interactive: false }}
      />
      {start ? <Marker position={toLatLng(start)} icon={icons.start} interactive={false} /> : null}
      {end ? <Marker position={toLatLng(end)} icon={icons.end} interactive={false} /> : null}
    </>
  );
}
