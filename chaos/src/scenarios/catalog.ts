/** Finds and loads the scenario files: chaos/scenarios/NN-name.yaml, numbered in the order of the course. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { experimentNames, loadExperiment, type LoadedExperiment } from '../experiments';
import { parseScenario, ScenarioError, type Scenario } from './schema';

/** chaos/scenarios, from chaos/dist/scenarios or chaos/src/scenarios. */
export const scenariosDir = resolve(__dirname, '..', '..', 'scenarios');

export interface LoadedScenario {
  number: number;
  /** `05-api-5xx-burn`: the file name without .yaml. */
  id: string;
  file: string;
  scenario: Scenario;
  experiment?: LoadedExperiment;
}

const FILE = /^(\d{2})-([a-z0-9-]+)\.ya?ml$/;

export function scenarioFiles(dir = scenariosDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => FILE.test(f)).sort();
}

export function parseScenarioFile(file: string, experimentsDir?: string): LoadedScenario {
  const name = file.split('/').at(-1)!;
  const match = FILE.exec(name);
  if (!match) throw new ScenarioError(file, ['(file name): expected NN-name.yaml, e.g. 05-api-5xx-burn.yaml']);
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (error) {
    throw new ScenarioError(file, [`YAML: ${(error as Error).message}`]);
  }
  const scenario = parseScenario(document, file);
  let experiment: LoadedExperiment | undefined;
  if (scenario.break.experiment) {
    const known = experimentNames(experimentsDir);
    if (!known.includes(scenario.break.experiment)) {
      throw new ScenarioError(file, [`break.experiment: no experiment "${scenario.break.experiment}" (known: ${known.join(', ')})`]);
    }
    experiment = loadExperiment(scenario.break.experiment, experimentsDir);
  }
  return { number: Number(match[1]), id: name.replace(/\.ya?ml$/, ''), file, scenario, experiment };
}

export function loadScenarios(dir = scenariosDir): LoadedScenario[] {
  return scenarioFiles(dir).map((f) => parseScenarioFile(join(dir, f)));
}

/** By number (`5`, `05`) or id (`05-api-5xx-burn`). */
export function findScenario(ref: string, dir = scenariosDir): LoadedScenario {
  const all = loadScenarios(dir);
  const found = /^\d+$/.test(ref) ? all.find((s) => s.number === Number(ref)) : all.find((s) => s.id === ref);
  if (!found) throw new Error(`no scenario "${ref}"; known: ${all.map((s) => s.number).join(', ')} (npm run scenario -- list)`);
  return found;
}
