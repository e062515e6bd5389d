#!/usr/bin/env node
/** The `mcp-bearer-auth` command. */
import { runDoctor } from './doctor.js';

runDoctor(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
