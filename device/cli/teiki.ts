#!/usr/bin/env node
import { runCli } from './program.js';

// Everything teiki writes (pass list, boarding records, sync state, depot exports) holds card
// numbers or IDms: files are the owner's only, whatever the shell's umask (systemd sets 0077
// too; issue 7, privacy).
process.umask(0o077);
process.exitCode = await runCli(process.argv);
