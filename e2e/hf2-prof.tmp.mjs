import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 1440, height: 900 } });
await p.goto('http://127.0.0.1:3000/bench/logs?n=' + process.argv[2]);
await p.waitForSelector('[data-testid=log-row]', { timeout: 120000 });
const cdp = await p.context().newCDPSession(p);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 200 }); await cdp.send('Profiler.start');
const r = await p.evaluate(async () => {
  const el = document.querySelector('[data-testid="log-viewer"]');
  const d = []; let last = performance.now();
  for (let i = 0; i < 15; i++) { el.scrollTop += 1200; await new Promise(r => requestAnimationFrame(r)); const t = performance.now(); d.push(Math.round(t - last)); last = t; }
  return d;
});
const { profile } = await cdp.send('Profiler.stop');
console.log(r.join(' '));
const self = new Map(); const byId = new Map(profile.nodes.map(n => [n.id, n]));
const dt = profile.timeDeltas; const counts = new Map();
profile.samples.forEach((s, i) => counts.set(s, (counts.get(s) ?? 0) + (dt[i] ?? 0)));
for (const [id, t] of counts) { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t); }
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, t]) => `${Math.round(t / 1000)}ms ${k}`).join('\n'));
await b.close();
