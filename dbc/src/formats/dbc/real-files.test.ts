import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realDbcFiles } from '../../../test/shared-data.ts';
import { decodeDbcBytes, loadDbcFile } from './load.ts';

const files = realDbcFiles();

/**
 * An independent, line-based count of what a file defines: each `BO_ id name:` line and the
 * `SG_` lines under it. It knows nothing of the parser, so a dropped or misattached signal shows.
 */
function lineCensus(path: string): Map<string, string[]> {
  const { text } = decodeDbcBytes(readFileSync(path));
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const bo = /^\s*BO_\s+\d+\s+(\w+)\s*:/.exec(line);
    if (bo) {
      current = [];
      out.set(bo[1]!, current);
      continue;
    }
    const sg = /^\s+SG_\s+(\w+)/.exec(line);
    if (sg && current) current.push(sg[1]!);
    else if (line.trim() !== '') current = null;
  }
  return out;
}

test('all the opendbc and 13 cantools DBC files are there to load', () => {
  // The issue speaks of 91 opendbc files; the shared folder holds 90 (.dbc) plus its LICENSE.
  assert.ok(realDbcFiles('opendbc').length >= 90);
  assert.is(realDbcFiles('cantools').length, 13);
});

for (const path of files) {
  test(`${basename(path)} loads with every message and every signal in its own message`, () => {
    const db = loadDbcFile(path);
    const census = lineCensus(path);
    const pseudo = db.warnings.filter((w) => w.code === 'INDEPENDENT_SIGNALS').length;
    assert.is(db.messages.length + pseudo, census.size, 'messages');
    for (const m of db.messages) {
      assert.equal(m.signals.map((s) => s.name), census.get(m.name), `signals of ${m.name}`);
    }
    for (const w of db.warnings) {
      assert.ok(w.location.line >= 1 && w.location.column >= 1, `${w.code} has a location`);
    }
  });
}

test('tolerated sloppiness is reported as warnings, not swallowed', () => {
  const codes = new Set(files.flatMap((f) => loadDbcFile(f).warnings.map((w) => w.code)));
  for (const code of ['EXTENDED_ID_WITHOUT_FLAG', 'SIGNAL_NAME_MISSING', 'MISSING_SEMICOLON', 'ENCODING_CP1252', 'MUX_INDICATOR_CASE']) {
    assert.ok(codes.has(code), code);
  }
});

test('29-bit ids written without the 0x80000000 flag are read as extended', () => {
  let seen = 0;
  for (const f of files) {
    const db = loadDbcFile(f);
    const flagged = new Set(db.warnings.filter((w) => w.code === 'EXTENDED_ID_WITHOUT_FLAG').map((w) => w.location.line));
    for (const m of db.messages) {
      if (!flagged.has(m.location.line)) continue;
      seen++;
      assert.ok(m.extended && m.id > 0x7ff && m.id <= 0x1fffffff, `${m.name} in ${f}`);
    }
  }
  assert.ok(seen > 50, `${seen} such messages`);
});

test.run();
