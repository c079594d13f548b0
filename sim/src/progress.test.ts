import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from './progress.ts';

function sink(tty: boolean) {
  const chunks: string[] = [];
  return { chunks, out: Object.assign({ write: (s: string) => chunks.push(s) > 0, isTTY: tty, columns: 200 }) as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

test('on a terminal: a bar with percent, rate and ETA, redrawn in place at most every interval', () => {
  let t = 0;
  const { chunks, out } = sink(true);
  const p = new Progress(out, { unit: 'frames', total: 1000, now: () => t });
  t = 1000;
  p.update(250);
  p.update(260); // within 200 ms: not redrawn
  t = 2000;
  p.update(500);
  assert.is(chunks.length, 2);
  assert.is(chunks[1], '\r[############............]  50.0%  500/1000 frames  250/s  ETA 2.0s\x1b[K');
  p.finish(1000);
  assert.match(chunks[2]!, /100\.0%.*\n$/);
});

test('piped: quiet except at percent steps and one final line', () => {
  let t = 0;
  const { chunks, out } = sink(false);
  const p = new Progress(out, { unit: 'frames', total: 100, everyPercent: 50, now: () => t });
  for (let i = 1; i <= 100; i++) {
    t += 10;
    p.update(i);
  }
  p.finish();
  assert.is(chunks.length, 3);
  assert.ok(chunks.every((c) => c.endsWith('\n') && !c.includes('\r')));
});

test('without a total it shows the count, rate and elapsed time', () => {
  let t = 0;
  const { out } = sink(false);
  const p = new Progress(out, { unit: 'frames', now: () => t });
  t = 4000;
  p.update(20000);
  assert.is(p.line(), '20.0k frames  5000/s  4.0s elapsed');
});

test.run();
