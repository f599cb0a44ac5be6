/** The report's input gate: a results file is schema-valid, or it is refused with one line naming the field. */
import { UserError } from '../../engines/engine.js';
import { ResultsSchema, type Results } from '../../results/schema.js';

/** Validates a parsed results file; throws a UserError naming the first bad field. Never half-renders. */
export function parseResultsForReport(json: unknown, source = 'results file'): Results {
  const parsed = ResultsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? formatIssuePath(issue.path) : '(root)';
  const message = issue?.message ?? 'does not match the results schema';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
  throw new UserError(`Invalid ${source}: field "${path}": ${message}${more}. Regenerate it with \`vlmbench run\` or fix that field.`);
}

function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
