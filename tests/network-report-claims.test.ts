/**
 * What the audit's records become: the privacy claims' verdicts (the `private` rule, with the
 * offline runs) and the report's Network section and summary.json entry. Crafted results.
 */
import { describe, expect, it } from 'vitest';
import { evaluateClaims, loadLedger } from '../src/claims/evaluate.js';
import { evaluateRule } from '../src/claims/rules.js';
import { RuleSchema } from '../src/claims/schema.js';
import { buildReportModel } from '../src/report/model.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { NOT_AUDITED, networkView } from '../src/report/network.js';
import { buildSummaryJson } from '../src/report/summary.js';
import { ResultsSchema, type CellNetwork, type NetworkAttempt, type Results } from '../src/results/schema.js';
import { makeResults } from './helpers/report-results.js';

const METHOD = 'namespace + tcpdump (crafted)';
const UPDATER: NetworkAttempt = { phase: 'run', protocol: 'dns', address: '10.0.0.53', port: 53, name: 'update.example.com', queryTypes: ['A', 'AAAA'], count: 4, packets: 4 };
const HUB: NetworkAttempt = { phase: 'download', protocol: 'https', address: null, port: 443, name: 'huggingface.co', count: 2, packets: 0, expected: 'model download from the Hugging Face hub' };
const REGISTRY: NetworkAttempt = { phase: 'load', protocol: 'udp', address: '198.51.100.7', port: 49737, count: 1, packets: 3, expected: 'model download from the QVAC registry (x), or its lookup of a cached copy' };

/** A run with every cell of `engine` audited as given (the other engines' cells not audited). */
function audited(engine: string, network: (index: number) => CellNetwork, runId = 'audit-run'): Results {
  const results = makeResults({ runId });
  let index = 0;
  return ResultsSchema.parse({ ...results, cells: results.cells.map((cell) => (cell.key.engine === engine ? { ...cell, network: network(index++) } : cell)) });
}

function offline(runId = 'offline-run'): Results {
  const results = makeResults({ runId });
  return ResultsSchema.parse({ ...results, environment: { ...results.environment, extra: { network: { offline: true, method: 'procfs' } } } });
}

const quiet = (): CellNetwork => ({ status: 'measured', method: METHOD, loadShared: false, processes: ['node'], attempts: [] });
const rule = RuleSchema.parse({ kind: 'private', select: { engine: 'transformersjs' } });
const check = (results: Results[]) => evaluateRule(rule, results, 'run both ways');

describe('the private rule', () => {
  it('is supported when the engine works offline and attempted nothing with the network present', () => {
    const outcome = check([offline(), audited('transformersjs', quiet)]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.evidence).toMatch(/it works with no network: .*; with the network present it attempted nothing in \d+ audited cell/);
    expect(outcome.figures).toMatchObject({ offline: 'supported', attempts: 0 });
  });

  it('is contradicted by an attempt the claim excludes, naming the destination and the phase', () => {
    const outcome = check([offline(), audited('transformersjs', (i) => ({ ...quiet(), attempts: i === 1 ? [UPDATER] : [] }))]);
    expect(outcome.verdict).toBe('contradicted');
    expect(outcome.evidence).toContain('during inference: update.example.com (DNS A, AAAA via 10.0.0.53:53) ×4');
    expect(outcome.cells).toHaveLength(1);
  });

  it('lists model downloads apart and never counts them against the claim', () => {
    const outcome = check([offline(), audited('transformersjs', (i) => ({ ...quiet(), attempts: i === 0 ? [HUB, REGISTRY] : [] }))]);
    expect(outcome.verdict).toBe('supported');
    expect(outcome.evidence).toMatch(/expected model downloads, listed apart: huggingface\.co:443 \(https\) ×2; \[?198\.51\.100\.7/);
  });

  it('is partly supported when only one of the two measurements was made, and says how to make the other', () => {
    const onlyOffline = check([offline()]);
    expect(onlyOffline.verdict).toBe('partly supported');
    expect(onlyOffline.evidence).toMatch(/no cell was audited with the network present\. To measure the rest: .*--network-audit/);
    const onlyAudit = check([audited('transformersjs', quiet)]);
    expect(onlyAudit.verdict).toBe('partly supported');
    expect(onlyAudit.evidence).toMatch(/it was not run with no network/);
    const unavailable = check([offline(), audited('transformersjs', () => ({ status: 'unavailable', reason: 'tcpdump not found', method: 'not measured', loadShared: false, attempts: [] }))]);
    expect(unavailable.evidence).toContain('the network audit was unavailable (tcpdump not found)');
    expect(check([makeResults()]).verdict).toBe('not measured in this run');
  });

  it('decides the ledger\'s two privacy claims', () => {
    const verdicts = evaluateClaims([offline(), audited('transformersjs', (i) => ({ ...quiet(), attempts: i === 0 ? [UPDATER] : [] }))], loadLedger());
    const smol = verdicts.find((v) => v.id === 'smolvlm2-local-no-cloud');
    expect(smol?.verdict).toBe('contradicted');
    expect(smol?.evidence).toContain('update.example.com');
    expect(verdicts.find((v) => v.id === 'qvac-offline-once-cached')?.verdict).toBe('partly supported');
  });
});

describe('the Network section and summary.json', () => {
  const withAttempt = audited('transformersjs', (i) => ({ ...quiet(), attempts: i === 0 ? [{ ...UPDATER, phase: 'load' }, HUB] : [] }));

  it('lists per engine and target what was attempted during load and inference, downloads apart, or none', () => {
    const view = networkView([withAttempt]);
    expect(view.rows).toHaveLength(1);
    expect(view.rows[0]).toMatchObject({ engine: 'transformersjs', status: 'measured' });
    const markdown = renderMarkdown(buildReportModel([withAttempt]));
    const section = markdown.slice(markdown.indexOf('## Network'));
    expect(section).toMatch(/\| transformersjs \| \S+ \S+ \| cpu \| update\.example\.com \(DNS A, AAAA via 10\.0\.0\.53:53\) ×4 \| none attempted \| huggingface\.co:443 \(https\) ×2 \|/);
    const html = renderHtml(buildReportModel([withAttempt]));
    expect(html).toContain('<section id="network"><h2>Network</h2>');
    expect(html).toContain('update.example.com (DNS A, AAAA via 10.0.0.53:53) ×4');
  });

  it('says a run was not audited, and how to audit one', () => {
    const markdown = renderMarkdown(buildReportModel([makeResults()]));
    expect(markdown).toContain(`## Network\n\n${NOT_AUDITED.replace(/[\\`*_[\]]/g, '\\$&')}`);
    expect(buildSummaryJson(buildReportModel([makeResults()])).network).toBeUndefined();
  });

  it('summary.json carries the audit per engine', () => {
    const summary = buildSummaryJson(buildReportModel([withAttempt]));
    expect(summary.network).toEqual([
      expect.objectContaining({
        engine: 'transformersjs',
        target: 'cpu',
        status: 'measured',
        load: { attempts: 4, destinations: ['update.example.com (DNS A, AAAA via 10.0.0.53:53) ×4'] },
        inference: { attempts: 0, destinations: [] },
        downloads: { attempts: 2, destinations: ['huggingface.co:443 (https) ×2'] },
      }),
    ]);
  });

  it('says when a browser was attached, not launched', () => {
    const attached = audited('transformersjs', () => ({ ...quiet(), launchedByVlmbench: false }));
    expect(renderMarkdown(buildReportModel([attached]))).toContain('browser attached over CDP, not launched by vlmbench');
  });
});
