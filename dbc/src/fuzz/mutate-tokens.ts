import { EXTREME_NUMBERS, KEYWORDS, MUX_INDICATORS, randomBitNumber, STRINGS } from './dbc-vocabulary.ts';
import type { Rng } from './fuzz-rng.ts';
import { insertStatement } from './mutate-statements.ts';

/**
 * Token-level mutations of DBC text (Latin-1, one char per byte). They keep the input close
 * to the grammar so that it gets past the first statement: tokens deleted, duplicated, swapped
 * or replaced with extreme numbers and keywords; multiplexer indicators, bit positions and
 * lengths changed; statements inserted that refer to the window's own messages and signals.
 */
export type TextMutation = (text: string, rng: Rng) => string;

/**
 * One DBC token: a string (may span lines), a number, an identifier (DBC allows a leading
 * digit), a line end, a run of blanks, or any other single character.
 */
const TOKEN = /"(?:[^"\\]|\\[\s\S])*"|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_])|[A-Za-z0-9_]+|\r?\n|[ \t]+|[\s\S]/g;
/** A whole number token. */
const NUMBER_TOKEN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A whole identifier token. */
const IDENT_TOKEN = /^[A-Za-z0-9_]+$/;
/** A signal's bit layout: start|length@order sign. */
const LAYOUT = /(\d+)\|(\d+)@([01])([+-])/g;
/** The head of an SG_ line up to its `:`; group 2 is the multiplexer indicator, if any. */
const SIGNAL_HEAD = /^([ \t]*SG_ +\w+)((?: +\w+)?)( *:)/gm;

function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Indexes of tokens that satisfy `keep`. */
function indexesOf(tokens: readonly string[], keep: (t: string) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (keep(tokens[i]!)) out.push(i);
  return out;
}

const isSolid = (t: string): boolean => !/^\s/.test(t);

/** Applies `edit` to one random token that satisfies `keep`; unchanged text when none does. */
function editToken(text: string, rng: Rng, keep: (t: string) => boolean, edit: (tokens: string[], i: number) => void): string {
  const tokens = tokenize(text);
  const candidates = indexesOf(tokens, keep);
  if (candidates.length === 0) return text;
  edit(tokens, rng.pick(candidates));
  return tokens.join('');
}

const deleteTokens: TextMutation = (text, rng) =>
  editToken(text, rng, isSolid, (t, i) => {
    let left = rng.between(1, 3);
    for (let j = i; left > 0 && j < t.length; j++) {
      if (!isSolid(t[j]!)) continue;
      t[j] = '';
      left--;
    }
  });

const duplicateToken: TextMutation = (text, rng) => editToken(text, rng, isSolid, (t, i) => (t[i] = `${t[i]}${rng.chance(0.5) ? ' ' : ''}${t[i]}`));

const swapTokens: TextMutation = (text, rng) =>
  editToken(text, rng, isSolid, (t, i) => {
    const j = rng.chance(0.8) ? Math.min(t.length - 1, i + rng.between(1, 8)) : rng.int(t.length);
    [t[i], t[j]] = [t[j]!, t[i]!];
  });

const replaceNumber: TextMutation = (text, rng) => editToken(text, rng, (t) => NUMBER_TOKEN.test(t), (t, i) => (t[i] = rng.pick(EXTREME_NUMBERS)));

const replaceIdent: TextMutation = (text, rng) =>
  editToken(text, rng, (t) => IDENT_TOKEN.test(t) && !NUMBER_TOKEN.test(t), (t, i) => (t[i] = rng.pick(KEYWORDS)));

const replaceString: TextMutation = (text, rng) => editToken(text, rng, (t) => t.startsWith('"'), (t, i) => (t[i] = rng.pick(STRINGS)));

/** Replaces the `index`-th match of a global regex (chosen at random) with `replace(match)`. */
function editMatch(text: string, re: RegExp, rng: Rng, replace: (m: RegExpExecArray) => string): string {
  const matches = [...text.matchAll(re)] as RegExpExecArray[];
  if (matches.length === 0) return text;
  const m = rng.pick(matches);
  return text.slice(0, m.index) + replace(m) + text.slice(m.index + m[0].length);
}

const mutateMux: TextMutation = (text, rng) => editMatch(text, SIGNAL_HEAD, rng, (m) => `${m[1]}${' ' + rng.pick(MUX_INDICATORS)}${m[3]}`);

const mutateLayout: TextMutation = (text, rng) =>
  editMatch(text, LAYOUT, rng, ([, start, length, order, sign]) => {
    switch (rng.int(4)) {
      case 0:
        return `${randomBitNumber(rng, 520)}|${length}@${order}${sign}`;
      case 1:
        return `${start}|${randomBitNumber(rng, 70)}@${order}${sign}`;
      case 2:
        return `${start}|${length}@${order === '0' ? '1' : '0'}${sign}`;
      default:
        return `${start}|${length}@${order}${sign === '+' ? '-' : '+'}`;
    }
  });

/** Duplicates (or, a third of the time, deletes) a run of 1..20 lines. */
const duplicateLines: TextMutation = (text, rng) => {
  const lines = text.split('\n');
  const at = rng.int(lines.length);
  const run = lines.slice(at, at + rng.between(1, 20));
  if (rng.chance(1 / 3)) lines.splice(at, run.length);
  else lines.splice(rng.chance(0.5) ? at + run.length : rng.int(lines.length + 1), 0, ...run);
  return lines.join('\n');
};

/** The token mutations, with the weight of each. */
const TEXT_MUTATIONS: readonly [TextMutation, number][] = [
  [deleteTokens, 3],
  [duplicateToken, 2],
  [swapTokens, 2],
  [replaceNumber, 4],
  [replaceIdent, 3],
  [replaceString, 1],
  [mutateMux, 3],
  [mutateLayout, 4],
  [duplicateLines, 2],
  [insertStatement, 7],
];
const TEXT_TABLE: TextMutation[] = TEXT_MUTATIONS.flatMap(([m, w]) => Array<TextMutation>(w).fill(m));

/** Applies one random token-level mutation to Latin-1 DBC text. */
export function mutateTokens(text: string, rng: Rng): string {
  return rng.pick(TEXT_TABLE)(text, rng);
}
