/**
 * Is pcscd accepting clients? Asked before every `new NFC()`.
 *
 * Why: @pokusew/pcsclite's PCSCLite constructor retries SCardEstablishContext in a tight loop
 * while it returns SCARD_E_NO_SERVICE (src/pcsclite.cpp:70-75, `do { … } while (result ==
 * SCARD_E_NO_SERVICE || …)`), on the main thread: creating the context while pcscd is down
 * freezes the whole process until pcscd comes back. A connect to pcscd's socket is cheap and
 * tells us first. (A race remains: pcscd dying between the probe and the constructor.)
 */
import { connect } from 'node:net';

/** libpcsclite's default client socket (Debian: USE_IPCDIR=/run/pcscd), overridable like the library does. */
export function defaultPcscdSocket(): string {
  return process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

export function probePcscd(socketPath: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ path: socketPath });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
