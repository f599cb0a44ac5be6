/**
 * The orchestrator's handle on an engine host never throws or leaves an unhandled error when the
 * host is already gone: an interrupt kills hosts, and the scheduler may still ask them to shut down.
 */
import { describe, expect, it } from 'vitest';
import { isAlive } from '../src/measure/memory.js';
import { HostClient, HostError } from '../src/run/host-client.js';

function unhandled(): { errors: unknown[]; stop: () => void } {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return { errors, stop: () => (process.off('uncaughtException', record), process.off('unhandledRejection', record)) };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HostClient on a closed channel', () => {
  it('shutdown right after a kill (the interrupt race) neither throws nor emits an unhandled error', async () => {
    const watch = unhandled();
    try {
      for (let i = 0; i < 3; i++) {
        const client = new HostClient(`race-${i}`);
        await client.availability('tesseract', 'cpu', 30_000);
        client.kill();
        // The 'exit' event has not been delivered yet: the channel looks connected but is closed.
        await expect(client.shutdown(500)).resolves.toBeUndefined();
        await settle(200);
        expect(isAlive(client.pid)).toBe(false);
      }
    } finally {
      watch.stop();
    }
    expect(watch.errors.map(String)).toEqual([]);
  }, 60_000);

  it('a request to a dead host rejects with a crash error instead of throwing', async () => {
    const watch = unhandled();
    try {
      const client = new HostClient('dead');
      await client.availability('tesseract', 'cpu', 30_000);
      client.kill();
      const failure = await client.availability('tesseract', 'cpu', 2000).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(HostError);
      expect((failure as HostError).kind).toBe('crash');
      await client.shutdown(500);
      await settle(200);
    } finally {
      watch.stop();
    }
    expect(watch.errors.map(String)).toEqual([]);
  }, 60_000);
});
