// The cockpit's place for the guided-scenario panel (active scenario, hints, answer, faults, verdict). The scenario
// feature renders its own component here; until it does, the slot holds nothing and takes no room.
export function ScenarioSlot() {
  return null;
}
