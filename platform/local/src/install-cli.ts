/** `npm run infra`: installs the local infrastructure into the cache without starting anything. */
import { ensureInfrastructure } from './install';
import { cacheDir } from './paths';
import { consoleProgress } from './progress';

ensureInfrastructure(consoleProgress)
  .then((installed) => {
    consoleProgress.done(`local infrastructure ready in ${cacheDir()}`);
    for (const [name, path] of Object.entries(installed)) consoleProgress.info(`${name.padEnd(15)} ${path}`);
  })
  .catch((error: Error) => {
    process.stderr.write(`fleetlab ✗ ${error.message}\n`);
    process.exit(1);
  });
