// A mount of its own for the scenario panel, beside the app's root: a floating drawer over the map, so the panel needs
// no slot in the page layout. The cockpit's layout can render <ScenarioPanel client={…} /> in its slot instead.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ScenarioClient, scenarioServerUrl } from './scenario-api';
import { ScenarioPanel } from './scenario-panel';

export function mountScenarioPanel(doc: Document = document, search: string = window.location.search): void {
  const host = doc.createElement('aside');
  host.className = 'scenario-drawer';
  host.setAttribute('aria-label', 'scenarios');
  doc.body.appendChild(host);
  createRoot(host).render(
    <StrictMode>
      <ScenarioPanel client={new ScenarioClient(scenarioServerUrl(search))} />
    </StrictMode>,
  );
}
