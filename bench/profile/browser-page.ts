/**
 * Where a browser bench figure spends the page's main thread: a CPU profile (Chrome DevTools Protocol) of one
 * engine's bench page during one workload, summarized as self time per function; the .cpuprofile is written
 * for DevTools. The worker's own time shows as the page waiting (idle), not in this profile.
 *   node --import tsx bench/profile/browser-page.ts persistdb hydrate 100000
 *   node --import tsx bench/profile/browser-page.ts official insert1 300
 * (after `npm run build`: PersistDB's page is bundled from its dist)
 */
import { writeFileSync } from 'node:fs'
import { launchChromium } from '../../packages/browser/test/support/harness'
import { openBenchTab } from '../src/browser/bench-tab'
import type { Engine } from '../src/browser/pages/api'
import { servePages } from '../src/browser/pages-server'

const engine = (process.argv[2] ?? 'persistdb') as Engine
const workload = process.argv[3] ?? 'hydrate'
const n = Number(process.argv[4] ?? 100_000)

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function selfTimes(profile: CpuProfile): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const totals = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame
    const file = frame.url.split('/').pop() ?? ''
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  })
  return [...totals].sort((a, b) => b[1] - a[1])
}

const server = await servePages({ persistdbFrom: 'dist' })
const browser = await launchChromium()
try {
  const context = await browser.newContext()
  if (workload === 'hydrate') {
    const seeder = await openBenchTab(context, server.pageUrl(engine))
    await seeder.call('seed', 'profile', n)
    await seeder.close()
  }
  const tab = await openBenchTab(context, server.pageUrl(engine))
  const cdp = await context.newCDPSession(tab.page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  const result =
    workload === 'hydrate'
      ? await tab.call('hydrate', 'profile', n)
      : await tab.call('insert', 'profile-insert', n, 1).then(({ ms, latencies }) => ({
          ms,
          medianLatency: [...latencies].sort((a, b) => a - b)[latencies.length >> 1],
        }))
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }
  await tab.close()
  const file = `/tmp/browser-${engine}-${workload}-${n}.cpuprofile`
  writeFileSync(file, JSON.stringify(profile))
  const times = selfTimes(profile)
  const total = times.reduce((sum, [, ms]) => sum + ms, 0)
  console.log(
    `${engine} ${workload} ${n}: ${JSON.stringify(result)}; page main thread profiled ${total.toFixed(0)} ms (${file})`,
  )
  for (const [name, ms] of times.slice(0, 25)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`)
  await context.close()
} finally {
  await browser.close()
  await server.close()
}
