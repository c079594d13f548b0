#!/usr/bin/env node
// The `headunit` command. Sources are TypeScript; tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
// `headunit decode ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
