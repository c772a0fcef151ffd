import { execFileSync } from 'node:child_process';

/**
 * Integration tests that need a system tool (socat, mosquitto, cec-client, baresip, pulseaudio,
 * chromium) call this at the top of their `describe`. Without the tool they skip with a message
 * naming the Debian package, except under CI=true, where a missing tool fails the run: CI must
 * never go green by skipping.
 */
export function hasTool(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function requireTool(command: string, debianPackage: string): boolean {
  if (hasTool(command)) return true;
  const message = `'${command}' not found: install the Debian package '${debianPackage}' (apt-get install -y ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  console.warn(`skipping: ${message}`);
  return false;
}
