/**
 * The minimal direct call of transformers.js that bench/overhead.ts compares a vlmbench cell
 * with: no harness code, just the library, driven over Node IPC by the bench process.
 * Messages: { type: 'load', dir, dtype, threads } → { type: 'loaded' };
 * { type: 'run', imagePath, prompt, maxNewTokens } → { type: 'ran', generatedTokens }; { type: 'exit' }.
 */
import { AutoModelForVision2Seq, AutoProcessor, RawImage, env } from '@huggingface/transformers';

interface Loaded {
  // transformers.js's JSDoc types do not model these calls precisely; the bench uses them as the docs show.
  model: { generate: (options: Record<string, unknown>) => Promise<{ dims: number[] }> };
  processor: {
    apply_chat_template: (messages: unknown, options: Record<string, unknown>) => string;
    (text: string, images: unknown[], options: Record<string, unknown>): Promise<Record<string, { dims: number[] }>>;
  };
}
let loaded: Loaded | null = null;

process.on('message', async (message: { type: string; [key: string]: unknown }) => {
  try {
    if (message.type === 'load') {
      env.allowRemoteModels = false;
      const dir = String(message.dir);
      const model = await AutoModelForVision2Seq.from_pretrained(dir, {
        dtype: message.dtype,
        device: 'cpu',
        session_options: { intraOpNumThreads: Number(message.threads), interOpNumThreads: 1, graphOptimizationLevel: 'all' },
      } as unknown as Parameters<typeof AutoModelForVision2Seq.from_pretrained>[1]);
      const processor = await AutoProcessor.from_pretrained(dir, {});
      loaded = { model: model as unknown as Loaded['model'], processor: processor as unknown as Loaded['processor'] };
      process.send?.({ type: 'loaded' });
    } else if (message.type === 'run') {
      if (!loaded) throw new Error('run before load');
      const started = performance.now();
      const messages = [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: String(message.prompt) }] }];
      const text = loaded.processor.apply_chat_template(messages, { add_generation_prompt: true });
      const image = await RawImage.read(String(message.imagePath));
      // The checkpoint's own processor settings, as the vlmbench side runs them (--image-budget native).
      const inputs = await loaded.processor(text, [image], {});
      const output = await loaded.model.generate({ ...inputs, max_new_tokens: Number(message.maxNewTokens), do_sample: false });
      process.send?.({ type: 'ran', generatedTokens: (output.dims[1] ?? 0) - (inputs.input_ids?.dims[1] ?? 0), insideMs: performance.now() - started });
    } else if (message.type === 'exit') {
      process.exit(0);
    }
  } catch (error) {
    process.send?.({ type: 'error', message: (error as Error).message });
  }
});
