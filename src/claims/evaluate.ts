/**
 * Checks every claim of the ledger against one or more results documents (merged runs,
 * e.g. from several platforms) and gives one verdict per claim.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../engines/engine.js';
import { REPO_ROOT } from '../measure/environment.js';
import type { Results } from '../results/schema.js';
import { evaluateRule, type Verdict } from './rules.js';
import { parseLedger, type Ledger } from './schema.js';

export interface ClaimVerdict {
  id: string;
  subject: string;
  claim: string;
  source: string;
  verdict: Verdict;
  /** The deciding figures in words (or why it was not measured, and how to measure it). */
  evidence: string;
  /** One line for summaries: the claim, the verdict, the evidence. */
  sentence: string;
  figures: Record<string, number | string | boolean | null>;
  /** cellKeyId of the deciding cells (link them as #cell-<anchor>, see cellAnchorId). */
  cells: string[];
  rationale?: string;
  /** Run ids the verdict was computed over. */
  runs: string[];
}

/** claims/ledger.json of the repository. */
export function defaultLedgerPath(): string {
  return join(REPO_ROOT, 'claims', 'ledger.json');
}

export function loadLedger(path?: string): Ledger {
  const file = resolve(path ?? defaultLedgerPath());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read the claims ledger ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`the claims ledger ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseLedger(data, file);
}

export function evaluateClaims(results: Results[], ledger: Ledger = loadLedger()): ClaimVerdict[] {
  return ledger.claims.map((claim) => {
    const outcome = evaluateRule(claim.check, results, claim.measureWith);
    return {
      id: claim.id,
      subject: claim.subject,
      claim: claim.claim,
      source: claim.source,
      verdict: outcome.verdict,
      evidence: outcome.evidence,
      sentence: `${claim.subject}: "${claim.claim}" — ${outcome.verdict}: ${outcome.evidence}.`,
      figures: outcome.figures,
      cells: outcome.cells,
      ...(claim.rationale ? { rationale: claim.rationale } : {}),
      runs: results.map((run) => run.run.id),
    };
  });
}

/** The `claims` array of summary.json. */
export function claimsForSummary(
  verdicts: ClaimVerdict[],
): Array<{ id: string; subject: string; claim: string; source: string; verdict: Verdict; sentence: string; cells: string[] }> {
  return verdicts.map((verdict) => ({
    id: verdict.id,
    subject: verdict.subject,
    claim: verdict.claim,
    source: verdict.source,
    verdict: verdict.verdict,
    sentence: verdict.sentence,
    cells: verdict.cells,
  }));
}
