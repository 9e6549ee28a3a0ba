#!/usr/bin/env node
import { isBatchCommand, lowerProcessPriority } from './batch-priority.js';

// A batch job (an import) runs below the daemon's tap loop in CPU priority from its first
// instruction: loading the CLI's modules alone takes half a second of CPU (issue 12).
if (isBatchCommand(process.argv.slice(2))) lowerProcessPriority();
const { runCli } = await import('./program.js');

// Everything teiki writes (pass list, boarding records, sync state, depot exports) holds card
// numbers or IDms: files are the owner's only, whatever the shell's umask (systemd sets 0077
// too; issue 7, privacy).
process.umask(0o077);
process.exitCode = await runCli(process.argv);
