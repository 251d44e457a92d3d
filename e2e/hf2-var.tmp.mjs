import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1440, height: 900 } });
await p.goto('http://127.0.0.1:3000/bench/logs?n=' + process.argv[2]);
await p.waitForSelector('[data-testid=log-row]', { timeout: 120000 });
const run = () => p.evaluate(async () => {
  const el = document.querySelector('[data-testid="log-viewer"]');
  const d = []; let last = performance.now();
  for (let i = 0; i < 15; i++) { el.scrollTop += 1200; await new Promise(r => requestAnimationFrame(r)); const t = performance.now(); d.push(Math.round(t - last)); last = t; }
  d.sort((a, b) => a - b); return d[7];
});
console.log('base', await run(), await run());
await p.addStyleTag({ content: '[data-testid=log-viewer]{overflow-anchor:none}' });
console.log('anchor-none', await run(), await run());
await p.addStyleTag({ content: '[data-testid=log-viewer]{contain:none !important}' });
console.log('+contain-none', await run(), await run());
await p.addStyleTag({ content: '[data-testid=log-row]:hover{background:none}' });
console.log('after', await run());
const heap = await p.evaluate(() => performance.memory?.usedJSHeapSize);
console.log('heapMB', Math.round(heap / 1e6));
await b.close();
