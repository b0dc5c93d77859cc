// Builds every image of the lab as Tilt would send it, with buildah and the local stand-in bases; prints each result
// and where its log is. Usage: bash platform/tests/images/build.sh [-- tilt flags]   (FLEETLAB_IMAGE_JOBS=2 default)
import { buildAll, buildOrder, buildStandIns, IMAGE_LOGS, tiltImageSpecs } from './images';

async function main(): Promise<void> {
  // Flags as the Tiltfile names them, with or without the leading dashes: no-live-update, no-elastic, …
  const flags = process.argv.slice(2).filter((a) => a !== '--').map((a) => a.replace(/^--/, ''));
  const started = Date.now();
  console.log(`[images] stand-in base images (logs in ${IMAGE_LOGS})`);
  await buildStandIns();
  const specs = buildOrder(await tiltImageSpecs(flags));
  console.log(`[images] Tilt's docker_builds: ${specs.map((s) => s.ref).join(', ')}`);
  const jobs = Number(process.env.FLEETLAB_IMAGE_JOBS ?? 2);
  const results = await buildAll(specs, {
    jobs,
    report: (r) => console.log(`[images] ${r.ref}: ${r.ok ? 'built' : 'FAILED'} in ${r.seconds}s → ${r.tag} (log ${r.log})`),
  });
  const failed = results.filter((r) => !r.ok);
  console.log(`[images] ${results.length - failed.length}/${results.length} built in ${Math.round((Date.now() - started) / 1000)}s`);
  for (const r of failed) console.log(`\n--- ${r.ref}: last lines of ${r.log}\n${r.tail}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((error: Error) => {
  console.error(`[images] ${error.message}`);
  process.exitCode = 1;
});
