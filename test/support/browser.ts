import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * The Chromium the browser suites drive: VIGIL_CHROMIUM_PATH when set (an error if nothing is there), else Debian's
 * `chromium` package, which `npm test` installs where it can (scripts/lib.sh ensure_browser). Undefined when there is
 * none: those suites are skipped, saying why.
 */
export function chromiumPath(): string | undefined {
  const asked = process.env.VIGIL_CHROMIUM_PATH;
  if (asked) {
    if (!fs.existsSync(asked)) throw new Error(`VIGIL_CHROMIUM_PATH=${asked}: no such file`);
    return asked;
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
}

export const NO_BROWSER = "no Chromium here (npm test installs Debian's `chromium` with apt-get as root or with passwordless sudo; or set VIGIL_CHROMIUM_PATH)";

/** Headless Chromium; as root it needs --no-sandbox, as in a container. */
export const launchChromium = (executablePath: string): Promise<Browser> =>
  chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
