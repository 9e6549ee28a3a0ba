import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { Daemon, StoreOpenError } from '../../daemon/daemon.js';
import { ServiceNotifier } from '../../daemon/sd-service.js';
import { createLogger } from '../../log/logger.js';
import { CliError, EXIT } from '../errors.js';
import { validatorConfigOption } from '../options.js';
import { createPorts } from '../platform.js';

const SHUTDOWN_DEADLINE_MS = 8000;

export function registerRun(program: Command, opts: { version: string }): void {
  program
    .command('run')
    .description('run the validator daemon (readers, display, stop source, pass list, records)')
    .addOption(validatorConfigOption())
    .action(async (flags: { config: string }) => {
      const config = loadConfig(flags.config);
      const logger = createLogger(config.log.level);
      // sd_notify(3) when systemd started us with NOTIFY_SOCKET (Type=notify); a no-op otherwise.
      const systemd = new ServiceNotifier({ env: process.env, pid: process.pid, logger });
      const ports = await createPorts(config, logger, { softwareVersion: opts.version });
      const daemon = new Daemon(config, ports, logger);

      let exiting = false;
      const stop = (reason: string) => {
        if (exiting) return;
        exiting = true;
        const stopping = systemd.stopping();
        void Promise.all([daemon.shutdown(reason, SHUTDOWN_DEADLINE_MS), stopping]).then(([clean]) => {
          logger.info({ clean }, 'stopped');
          logger.flush();
          // Exit explicitly: serial ports and PC/SC handles of native modules can keep the loop alive.
          setTimeout(() => process.exit(clean ? EXIT.ok : EXIT.failure), 50).unref();
          setTimeout(() => process.exit(clean ? EXIT.ok : EXIT.failure), 1000);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));

      try {
        await daemon.start();
        await systemd.ready(daemon);
      } catch (err) {
        logger.fatal({ err }, 'start failed');
        await daemon.shutdown('start failed', 2000);
        logger.flush();
        // Native handles (a serial port, a PC/SC context) can outlive a failed start and keep the
        // event loop alive: exit with the code runCli settles on even then (issue 7).
        setTimeout(() => process.exit(process.exitCode ?? EXIT.failure), 1000).unref();
        if (err instanceof StoreOpenError) throw new CliError(err.message, EXIT.store);
        throw err;
      }
      // Keep the event loop alive until a signal arrives (ports may hold no ref'd handle).
      const keepAlive = setInterval(() => {}, 60_000);
      await new Promise<void>(() => {});
      clearInterval(keepAlive);
    });
}
