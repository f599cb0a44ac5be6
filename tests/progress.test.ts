/** Progress counts what will run, host warm-ups included, and never shows a negative or 60-second ETA. */
import { describe, expect, it } from 'vitest';
import { createProgress, etaSeconds, formatSeconds } from '../src/run/progress.js';
import { plannedRuns, type Block } from '../src/run/plan.js';

function fakeTty(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const stream = { isTTY: true, columns: 400, write: (chunk: string) => ((written += chunk), true) };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => written };
}

/** The progress line as last drawn. */
function lastLine(text: string): string {
  return text.split('\r\x1b[2K').filter(Boolean).at(-1) ?? '';
}

describe('formatSeconds', () => {
  it('rounds once, so 179.6 s is 3m00s, never 2m60s', () => {
    expect(formatSeconds(179.6)).toBe('3m00s');
    expect(formatSeconds(239.5)).toBe('4m00s');
    expect(formatSeconds(89.4)).toBe('89s');
    expect(formatSeconds(89.6)).toBe('1m30s');
    expect(formatSeconds(3 * 3600 + 59 * 60 + 59.7)).toBe('4h00m');
    const shown: string[] = [];
    for (let s = 0; s < 7200; s += 0.25) shown.push(formatSeconds(s));
    expect(shown.filter((text) => /m60s|h60m/.test(text))).toEqual([]);
  });

  it('shows ? for a negative or unknown duration', () => {
    expect(formatSeconds(-5)).toBe('?');
    expect(formatSeconds(Number.NaN)).toBe('?');
  });

  it('estimates nothing negative once the count passes the total', () => {
    expect(etaSeconds(10, 612, 608)).toBe(0);
    expect(etaSeconds(10, 0, 608)).toBeNaN();
    expect(etaSeconds(10, 5, 10)).toBe(10);
  });
});

describe('plannedRuns', () => {
  it('counts each host warm-up after its load once, beside every cell\'s warm-up and counted runs', () => {
    const host = (fixtures: number) => ({ fixtures: Array.from({ length: fixtures }) }) as unknown as Block['hosts'][number];
    const blocks = [{ target: 'cpu', hosts: [host(76), host(76)] }] as Block[];
    // 152 cells × (1 warm-up + 3 runs) + 2 hosts × 2 host warm-ups.
    expect(plannedRuns(blocks, { warmup: 1, runs: 3, hostWarmup: 2 })).toBe(152 * 4 + 4);
  });
});

describe('createProgress', () => {
  it('never counts past its total and corrects the total when a fixture runs more than planned', () => {
    const { stream, text } = fakeTty();
    const progress = createProgress(stream);
    progress.start(8, 2);
    progress.fixtureStart(8);
    // A restart after a crash: two host warm-ups nobody planned.
    for (let i = 0; i < 10; i++) progress.sample('transformersjs · scene-01');
    expect(lastLine(text())).toMatch(/ 10\/10 runs /);
    progress.fixtureEnd();
    progress.cellDone('transformersjs tiny scene-01', 'ok', '');
    const line = lastLine(text());
    expect(line).toMatch(/ 10\/10 runs · 1\/2 cells · ETA 0s /);
    expect(text()).not.toMatch(/ETA -/);
  });

  it('shrinks the total when a fixture ends early (a failed cell)', () => {
    const { stream, text } = fakeTty();
    const progress = createProgress(stream);
    progress.start(20, 2);
    progress.fixtureStart(10);
    progress.sample('a');
    progress.fixtureEnd();
    progress.cellDone('a', 'failed', 'boom');
    expect(lastLine(text())).toMatch(/ 1\/11 runs /);
    expect(text()).toMatch(/^planned 2 cells, 20 runs \(warm-ups included\)\n/);
  });

  it('drops the rounds a pass stopped before, never below what already ran', () => {
    const { stream, text } = fakeTty();
    const progress = createProgress(stream);
    progress.start(100, 10);
    for (let i = 0; i < 30; i++) progress.sample('a');
    progress.drop(60, 6);
    progress.cellDone('a', 'ok', '');
    expect(lastLine(text())).toMatch(/ 30\/40 runs · 1\/4 cells /);
    progress.drop(1000, 1000);
    progress.sample('a');
    expect(lastLine(text())).toMatch(/ 31\/31 runs · 1\/1 cells · ETA 0s /);
  });
});
