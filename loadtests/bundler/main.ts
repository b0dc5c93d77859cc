/**
 * npm run bundle -w loadtests: every k6 scenario into dist/<name>.js (see bundle.ts), from a clean dist/ so a
 * scenario deleted or renamed leaves no old bundle behind for a Tilt button to run.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { bundleScenarios, DIST_DIR } from './bundle.ts';

rmSync(DIST_DIR, { recursive: true, force: true });
try {
  const metafile = await bundleScenarios();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    process.stdout.write(`${path.relative(process.cwd(), file)}  ${(output.bytes / 1024).toFixed(1)} KiB\n`);
  }
} catch (error) {
  // esbuild has already printed what failed to resolve or parse.
  process.stderr.write(`bundling the k6 scenarios failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exitCode = 1;
}
