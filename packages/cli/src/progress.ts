/**
 * A one-line progress counter on stderr, only when stderr is a terminal: piped or redirected output stays
 * exactly the data. Redraws at most every 100 ms, so a million rows cost a few dozen writes.
 */
export interface Progress {
  /** Starts a phase of `total` units (rows; 0 when unknown). */
  start(label: string, total: number): void
  advance(units: number): void
  done(): void
}

export const silent: Progress = { start() {}, advance() {}, done() {} }

interface TerminalStream {
  readonly isTTY?: boolean
  write(text: string): boolean
}

export function progressFor(stream: TerminalStream = process.stderr): Progress {
  if (!stream.isTTY) return silent
  let label = ''
  let total = 0
  let count = 0
  let drawnAt = 0
  const draw = () => {
    drawnAt = Date.now()
    const of = total > 0 ? ` / ${n(total)} rows (${Math.floor((count / total) * 100)}%)` : ' rows'
    stream.write(`\r\x1b[K${label}: ${n(count)}${of}`)
  }
  return {
    start(name, units) {
      label = name
      total = units
      count = 0
      draw()
    },
    advance(units) {
      count += units
      if (Date.now() - drawnAt >= 100) draw()
    },
    done() {
      draw()
      stream.write('\n')
    },
  }
}

function n(count: number): string {
  return count.toLocaleString('en-US')
}
