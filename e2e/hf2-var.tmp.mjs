import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1440, height: 900 } });
await p.goto('http://127.0.0.1:3000/bench/logs?n=' + process.argv[2]);
await p.waitForSelector('[data-testid=log-row]', { timeout: 120000 });
const run = () => p.evaluate(async () => {
  const el = document.querySelector('[data-testid="log-viewer"]');
  const d = []; let last = performance.now();
  for (let i = 0; i < 30; i++) { el.scrollTop += 300; await new Promise(r => requestAnimationFrame(r)); const t = performance.now(); d.push(Math.round(t - last)); last = t; }
  d.sort((a, b) => a - b); return [d[15], d[28]];
});
console.log('p50/p95', await run(), await run());
await p.mouse.move(700, 500);
for (let i = 0; i < 5; i++) await p.mouse.wheel(0, 180);
await p.waitForTimeout(300);
console.log(await p.evaluate(() => [...document.querySelectorAll('[data-testid=log-row]')].slice(0, 3).map(r => r.dataset.index + ':' + r.style.transform)));
await p.screenshot({ path: '/tmp/hf2-bench.png' });
await b.close();
