// Entry: load the configuration (build-time env, then /config.json), then start the live session and the page.
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { LiveSession } from './app/live-session';
import { SessionProvider } from './app/session-context';
import { ConfigErrorScreen } from './components/config-error';
import { loadRuntimeConfig } from './lib/runtime-config';
import { socketIoFactory } from './lib/socket-connection';

/** `?bench=2000` draws 2,000 synthetic vehicles through the real pipeline; `&feedMs=16` sets how often they move. */
function benchParams(search: string): { vehicles: number; feedMs: number } | null {
  const params = new URLSearchParams(search);
  const vehicles = Number(params.get('bench'));
  if (!Number.isInteger(vehicles) || vehicles <= 0) return null;
  const feedMs = Number(params.get('feedMs') ?? 16);
  return { vehicles: Math.min(vehicles, 50_000), feedMs: Number.isFinite(feedMs) && feedMs > 0 ? feedMs : 16 };
}

async function main(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  let config;
  try {
    config = await loadRuntimeConfig();
  } catch (error) {
    root.render(<ConfigErrorScreen error={error} />);
    return;
  }
  const bench = benchParams(window.location.search);
  const session = new LiveSession({ config, socketFactory: bench ? undefined : socketIoFactory, followRoad: !bench });
  if (bench) session.startBench(bench.vehicles, bench.feedMs);
  else session.start();
  window.addEventListener('pagehide', () => session.dispose());
  root.render(
    <StrictMode>
      <SessionProvider session={session}>
        <App />
      </SessionProvider>
    </StrictMode>,
  );
}

void main();
