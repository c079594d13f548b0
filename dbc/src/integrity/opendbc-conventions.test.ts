import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// The parser module itself rather than the dbc/index.ts barrel, which also pulls in the CLI and codec.
import { loadDbcFile } from '../formats/dbc/load.ts';
import { signalRole } from './checksum-schemes.ts';
import { INTEGRITY_BAD_CHECKSUM, INTEGRITY_OK, IntegrityChecker, checksumSchemeForFile } from './checksums.ts';

/** Real opendbc DBCs, read-only, from the shared data folder (see ../shared/data/README.md). */
const OPENDBC_DIR = fileURLToPath(new URL('../../../../shared/data/dbc/opendbc/', import.meta.url));

/**
 * Files checked, with the warnings each must give: only the checksums/counters that opendbc's
 * algorithms cannot handle where these DBCs put them.
 */
const FILES: Record<string, string[]> = {
  'toyota_nodsu_pt_generated.dbc': [],
  'toyota_prius_2010_pt.dbc': ['INTEGRITY_CHECKSUM_MISPLACED STEERING_LKA'], // 5-byte frame declared as 8
  'honda_civic_touring_2016_can_generated.dbc': [],
  'acura_ilx_2016_can_generated.dbc': [],
  'vw_mqb.dbc': [],
  'vw_meb_generated.dbc': [],
  'vw_pq.dbc': [],
  'hyundai_canfd_generated.dbc': [],
  'subaru_global_2017_generated.dbc': ['INTEGRITY_CHECKSUM_MISPLACED Steering'], // CHECKSUM in byte 4
  'tesla_model3_party.dbc': [],
  'chrysler_pacifica_2017_hybrid_generated.dbc': ['INTEGRITY_COUNTER_TOO_WIDE TRIP'], // 16-bit distance
};

/** Messages whose only checksum/counter signal is warned about, so nothing is left to check. */
const FULLY_SKIPPED = new Set(['TRIP']);

/** Payload filler: a fixed pseudo-random byte stream. */
function fill(d: Uint8Array, seed: number): Uint8Array {
  let x = seed >>> 0;
  for (let i = 0; i < d.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = x >>> 24;
  }
  return d;
}

for (const [file, expectedWarnings] of Object.entries(FILES)) {
  test(`${file}: signal names and places fit the ${checksumSchemeForFile(file)} scheme`, () => {
    const scheme = checksumSchemeForFile(file);
    const db = loadDbcFile(OPENDBC_DIR + file);
    const checker = new IntegrityChecker(db.messages, scheme);
    const warned = checker.warnings.map((w) => `${w.code} ${w.message.slice(0, w.message.indexOf(' ('))}`);
    assert.equal(warned, expectedWarnings);
    let covered = 0;
    db.messages.forEach((m, i) => {
      const named = m.signals.some((s) => signalRole(scheme, s.name) !== null);
      assert.is(checker.covers(i), named && !FULLY_SKIPPED.has(m.name), m.name);
      if (checker.covers(i)) covered++;
    });
    assert.ok(covered > 0);
  });

  test(`${file}: every covered message round-trips seal -> check, and a flipped bit is caught`, () => {
    const scheme = checksumSchemeForFile(file);
    const db = loadDbcFile(OPENDBC_DIR + file);
    const checker = new IntegrityChecker(db.messages, scheme);
    db.messages.forEach((m, i) => {
      if (!checker.covers(i)) return;
      const hasCounter = m.signals.some((s) => signalRole(scheme, s.name) === 'counter' && s.length <= 8);
      for (let n = 0; n < 3; n++) {
        const d = fill(new Uint8Array(m.length), m.id * 7 + n);
        checker.seal(i, d, 0, m.length, hasCounter ? n : undefined);
        assert.is(checker.check(i, d, 0, m.length), INTEGRITY_OK, `${m.name} frame ${n}`);
      }
      const hasChecksum = m.signals.some((s) => signalRole(scheme, s.name) === 'checksum');
      if (!hasChecksum || checker.warnings.some((w) => w.message.startsWith(`${m.name} (`))) return;
      const d = fill(new Uint8Array(m.length), m.id);
      checker.seal(i, d, 0, m.length, hasCounter ? 3 : undefined);
      d[m.length - 1]! ^= 0x10;
      assert.is(checker.check(i, d, 0, m.length), INTEGRITY_BAD_CHECKSUM, `${m.name} flipped`);
    });
  });
}

test.run();
