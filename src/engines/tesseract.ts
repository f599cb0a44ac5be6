/**
 * The classical OCR baseline: tesseract.js (LSTM, English) fully offline, with the
 * traineddata shipped in @tesseract.js-data/eng. Same seam, timing and memory as the VLMs.
 */
import { join } from 'node:path';
import { packageVersion } from '../measure/environment.js';
import { UserError, type Engine, type LoadReport, type LoadRequest, type RunOutput, type RunRequest } from './engine.js';

// tesseract.js ships loose typings for the worker; this is the subset the engine uses.
interface TesseractWorker {
  recognize: (image: string) => Promise<{ data: { text: string; confidence: number; blocks?: unknown[] | null } }>;
  setParameters: (params: Record<string, string>) => Promise<unknown>;
  terminate: () => Promise<unknown>;
}

export function createTesseractEngine(): Engine {
  let worker: TesseractWorker | null = null;
  return {
    id: 'tesseract',
    packageName: 'tesseract.js',
    tasks: ['ocr'],
    targets: ['cpu'],

    async availability(target) {
      if (target !== 'cpu') return { available: false, reason: `tesseract.js runs on the CPU only; ${target} is not supported` };
      try {
        await import('tesseract.js');
        return { available: true };
      } catch (error) {
        return { available: false, reason: `tesseract.js cannot be imported: ${(error as Error).message}` };
      }
    },

    async load(request: LoadRequest): Promise<LoadReport> {
      const tesseract = await import('tesseract.js');
      const langRoot = request.model.files.langPath;
      if (!langRoot) throw new UserError('tesseract: no langPath — install @tesseract.js-data/eng with "npm ci"');
      const langPath = join(langRoot, '4.0.0');
      // tesseract.js's createWorker signature accepts these options; its d.ts is narrower than its code.
      const created = (await tesseract.createWorker('eng', tesseract.OEM.LSTM_ONLY, {
        langPath,
        gzip: true,
        cacheMethod: 'none',
        logger: () => {},
        errorHandler: () => {},
      } as Parameters<typeof tesseract.createWorker>[2])) as unknown as TesseractWorker;
      // Keep line breaks and inter-word spaces as tesseract laid them out: the reference joins lines with "\n".
      // Page segmentation as the tesseract command line does it (PSM 3, automatic): the library's own
      // default is one uniform block (PSM 6), which reads a multi-column page straight across the columns.
      await created.setParameters({ preserve_interword_spaces: '0', tessedit_pageseg_mode: '3' });
      worker = created;
      return {
        backendRequested: 'cpu',
        backendActual: 'cpu (tesseract.js-core wasm, LSTM)',
        device: 'cpu',
        threads: 1,
        dtypes: { model: 'eng.traineddata (4.0.0 fast, LSTM)' },
        packageName: 'tesseract.js',
        packageVersion: packageVersion('tesseract.js') ?? 'unknown',
        notes: [
          'tesseract.js runs its wasm core in one worker thread of the host process: single-threaded, whatever --threads says',
          'the prompt is not used: a classical OCR engine takes no prompt',
          'output text is tesseract\'s own layout (lines joined with "\\n"), trailing whitespace trimmed',
          'page segmentation: automatic (tessedit_pageseg_mode 3, the tesseract command line\'s default), so columns are read one after another',
        ],
      };
    },

    async run(request: RunRequest, onToken: (text: string) => void): Promise<RunOutput> {
      if (!worker) throw new Error('tesseract: run() before load()');
      let result;
      try {
        result = await worker.recognize(request.imagePath);
      } catch (error) {
        throw new UserError(`tesseract could not read ${request.imagePath}: ${String((error as Error).message ?? error).split('\n')[0]}`);
      }
      const text = result.data.text.replace(/\s+$/, '');
      // Recognition does not stream: the whole text arrives at once, so TTFT equals latency.
      onToken(text);
      return { text, generatedTokens: 0, engineStats: { confidence: result.data.confidence } };
    },

    async unload() {
      const current = worker;
      worker = null;
      if (current) await current.terminate();
    },
  };
}
