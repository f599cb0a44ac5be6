/**
 * The minimal direct call of @qvac/sdk that bench/overhead.ts compares a vlmbench cell with:
 * loadModel + a streamed completion with the image attached, driven over Node IPC.
 * Messages: { type: 'load', gguf, mmproj } → { type: 'loaded' };
 * { type: 'run', imagePath, prompt, maxNewTokens } → { type: 'ran', generatedTokens }; { type: 'exit' }.
 */
interface Sdk {
  loadModel(options: Record<string, unknown>): Promise<string>;
  completion(options: Record<string, unknown>): { events: AsyncIterable<{ type: string; stats?: { generatedTokens?: number } }>; final: Promise<unknown> };
  close(): Promise<void>;
}
let sdk: Sdk | null = null;
let modelId = '';

process.on('message', async (message: { type: string; [key: string]: unknown }) => {
  try {
    if (message.type === 'load') {
      // The same quiet config vlmbench points the SDK at, so logging costs the same on both sides.
      const specifier = '@qvac/sdk';
      sdk = (await import(specifier)) as Sdk;
      modelId = await sdk.loadModel({
        modelSrc: String(message.gguf),
        modelType: 'llamacpp-completion',
        modelConfig: { projectionModelSrc: String(message.mmproj), ctx_size: 4096, device: 'cpu', gpu_layers: 0, temp: 0, seed: 42, predict: 256 },
      });
      process.send?.({ type: 'loaded' });
    } else if (message.type === 'run') {
      if (!sdk) throw new Error('run before load');
      const started = performance.now();
      const run = sdk.completion({
        modelId,
        stream: true,
        history: [{ role: 'user', content: String(message.prompt), attachments: [{ path: String(message.imagePath) }] }],
        generationParams: { temp: 0, seed: 42, predict: Number(message.maxNewTokens) },
      });
      let generatedTokens = 0;
      for await (const event of run.events) if (event.type === 'completionStats') generatedTokens = event.stats?.generatedTokens ?? 0;
      await run.final;
      process.send?.({ type: 'ran', generatedTokens, insideMs: performance.now() - started });
    } else if (message.type === 'exit') {
      await sdk?.close();
      process.exit(0);
    }
  } catch (error) {
    process.send?.({ type: 'error', message: (error as Error).message });
  }
});
