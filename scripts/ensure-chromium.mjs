#!/usr/bin/env node
// Runs before the test suite: the browser suites drive the system Chromium (Debian's `chromium` package)
// through playwright-core. Finds it, installs it when missing and running as root, or says what to install.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const path = process.env.PERSISTDB_CHROMIUM ?? '/usr/bin/chromium'

function works() {
  if (!existsSync(path)) return false
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 30_000 })
    return true
  } catch {
    return false
  }
}

if (!works()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = existsSync('/usr/bin/apt-get')
  if (isRoot && hasApt && path === '/usr/bin/chromium') {
    console.log('[ensure-chromium] /usr/bin/chromium is missing: apt-get install -y chromium')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
  }
  if (!works()) {
    console.error(
      `[ensure-chromium] The browser tests need Chromium at ${path}. Install it (Debian/Ubuntu: ` +
        '`sudo apt-get install -y chromium`) or point PERSISTDB_CHROMIUM at a Chromium binary, then run npm test again.',
    )
    process.exit(1)
  }
}
