import { describe, expect, it } from 'vitest';
import { checkRealStack } from '../../../simulator/demo/real-stack.js';

describe('npm run demo -- --real-stack on a machine without the stack', () => {
  it('names every missing part with the Debian package that brings it', () => {
    const missing = checkRealStack({
      platform: 'linux',
      uid: 1000,
      path: '/nonexistent/bin',
      sbin: [],
      vpcdDriver: '/nonexistent/libifdvpcd.so',
    });
    expect(missing).toEqual([
      expect.stringMatching(/^root: /),
      'pcscd (Debian package pcscd)',
      expect.stringMatching(/vpcd driver \/nonexistent\/libifdvpcd\.so \(Debian package vsmartcard-vpcd\)/),
      expect.stringMatching(/^socat \(Debian package socat\)/),
    ]);
  });

  it('names the platform off Linux', () => {
    expect(
      checkRealStack({ platform: 'darwin', uid: 0, path: '', sbin: [], vpcdDriver: '/nonexistent' })[0],
    ).toBe('Linux (this is darwin)');
  });
});
