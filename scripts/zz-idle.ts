const c0 = process.cpuUsage(); const t0 = performance.now();
while (performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 100));
const c = process.cpuUsage(c0); console.log('idle cpu', ((c.user + c.system) / 1000 / (performance.now() - t0) * 100).toFixed(2), '%');
