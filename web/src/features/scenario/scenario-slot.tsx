// The cockpit's place for the guided-scenario panel (active scenario, hints, answer, faults, verdict): the scenario
// feature's own component (features/scenarios), talking to the scenario server (docs/scenarios.md).
import { useMemo } from 'react';
import { ScenarioClient, scenarioServerUrl } from '../scenarios/scenario-api';
import { ScenarioPanel } from '../scenarios/scenario-panel';

export function ScenarioSlot() {
  const client = useMemo(() => new ScenarioClient(scenarioServerUrl(window.location.search)), []);
  return <ScenarioPanel client={client} />;
}
