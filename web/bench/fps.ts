// Benchmark, not a test: frames per second of the live map with 2,000 moving vehicles in headless Chromium.
// The page's bench mode (?bench=N&feedMs=M) feeds N synthetic vehicles, every one moving every M ms, through the
// same buffer, store and canvas layer as real positions. Usage: npx vite-node web/bench/fps.ts [vehicles] [seconds] [feedMs]
import os from 'node:os';
import { launchChromium } from '../e2e/browser';
import { freePort, serveWeb } from '@fleetlab/local';

const vehicles = Number(process.argv[2] ?? 2000);
const seconds = Number(process.argv[3] ?? 10);
const feedMs = Number(process.argv[4] ?? 16);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function main(): Promise<void> {
  const web = await serveWeb({ port: await freePort(), config: {} });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${web.url}/?bench=${vehicles}&feedMs=${feedMs}`);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="vehicles-drawn"]')?.getAttribute('data-count')) >= n, vehicles, {
      timeout: 30_000,
    });
    const framesBefore = Number(await page.getByTestId('vehicles-drawn').getAttribute('data-frames'));
    await page.waitForTimeout(2_000); // warm-up: JIT, first layout
    const stamps = await page.evaluate(
      (ms) =>
        new Promise<number[]>((resolve) => {
          const out: number[] = [];
          const start = performance.now();
          const frame = (t: number): void => {
            out.push(t);
            if (t - start < ms) requestAnimationFrame(frame);
            else resolve(out);
          };
          requestAnimationFrame(frame);
        }),
      seconds * 1000,
    );
    await page.waitForTimeout(300); // let the stats publish
    const framesAfter = Number(await page.getByTestId('vehicles-drawn').getAttribute('data-frames'));
    const drawn = Number(await page.getByTestId('vehicles-drawn').getAttribute('data-count'));
    const deltas = stamps.slice(1).map((t, i) => t - stamps[i]!);
    const span = stamps[stamps.length - 1]! - stamps[0]!;
    const mean = (deltas.length / span) * 1000;
    const fps = deltas.map((d) => 1000 / d).sort((a, b) => a - b);
    const p5 = percentile(fps, 5);
    const cpu = os.cpus();
    const result = {
      date: new Date().toISOString(),
      machine: `${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, ${os.platform()} ${os.release()}`,
      browser: `Chromium ${browser.version()} headless, --disable-gpu`,
      vehicles: drawn,
      feedMs,
      seconds,
      frames: deltas.length,
      batchesApplied: framesAfter - framesBefore,
      fpsMean: Number(mean.toFixed(1)),
      fpsP5: Number(p5.toFixed(1)),
      worstFrameMs: Number(Math.max(...deltas).toFixed(1)),
      pageErrors: errors,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `${result.date}  ${result.machine}\n${drawn} vehicles moving every ${feedMs} ms for ${seconds} s: ` +
        `${result.fpsMean} fps mean, ${result.fpsP5} fps p5 (target ≥ 30)`,
    );
  } finally {
    await browser.close();
    await web.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
