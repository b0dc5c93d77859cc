/** Finds and loads the experiment files: chaos/experiments/<name>.yaml, the name being the file name. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ExperimentError, parseExperiment, type Experiment } from './schema';

/** chaos/experiments, from chaos/dist or chaos/src. */
export const experimentsDir = resolve(__dirname, '..', 'experiments');

export interface LoadedExperiment {
  name: string;
  file: string;
  experiment: Experiment;
}

export function experimentNames(dir = experimentsDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => basename(f).replace(/\.ya?ml$/, ''))
    .sort();
}

/** Parses YAML text; a syntax error is reported as an ExperimentError with the line. */
export function parseExperimentText(text: string, file: string): Experiment {
  let document: unknown;
  try {
    document = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new ExperimentError(file, [`YAML: ${(error as Error).message}`]);
  }
  return parseExperiment(document, file);
}

/** Loads `name` (a name in the experiments folder, or a path to a file). */
export function loadExperiment(nameOrPath: string, dir = experimentsDir): LoadedExperiment {
  const candidates = [nameOrPath, join(dir, `${nameOrPath}.yaml`), join(dir, `${nameOrPath}.yml`)];
  const file = candidates.find((c) => /\.ya?ml$/.test(c) && existsSync(c));
  if (!file) {
    const known = experimentNames(dir);
    throw new Error(`no experiment "${nameOrPath}"; known: ${known.join(', ') || '(none)'} (npm run chaos -- list)`);
  }
  const experiment = parseExperimentText(readFileSync(file, 'utf8'), file);
  return { name: basename(file).replace(/\.ya?ml$/, ''), file, experiment };
}

export function loadAll(dir = experimentsDir): LoadedExperiment[] {
  return experimentNames(dir).map((name) => loadExperiment(name, dir));
}
