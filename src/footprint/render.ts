/**
 * The footprint table (Markdown and HTML) and an inline SVG bar chart of installed size.
 */
import type { EngineFootprint, Footprint } from './schema.js';
import { escapeMarkdownCell, escapeMarkdownText } from '../report/escape.js';

type Escape = (value: unknown) => string;

const MB = 1_000_000;

function mb(bytes: number | undefined | null): string {
  return bytes === undefined || bytes === null ? '—' : `${(bytes / MB).toFixed(1)} MB`;
}

function ms(value: number | undefined): string {
  if (value === undefined) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

interface FootprintRow {
  engine: string;
  installed: string;
  packages: string;
  native: string;
  models: string;
  processes: string;
  coldStart: string;
  firstResult: string;
}

function rowFor(engine: EngineFootprint): FootprintRow {
  const census = engine.census.length > 0 ? engine.census.map((c) => `${c.processes} / ${c.threads}`).join(', ') : '—';
  const cold = engine.coldStart[0];
  return {
    engine: engine.engine + (engine.install ? ` (${engine.install.packageName}${engine.install.version ? `@${engine.install.version}` : ''})` : ''),
    installed: engine.install ? mb(engine.install.bytes) : `— (${engine.installReason ?? 'not measured'})`,
    packages: engine.install ? String(engine.install.packages) : '—',
    native: engine.install ? mb(engine.install.nativeBytes) : '—',
    models: engine.models.length > 0 ? engine.models.map((m) => `${m.model} ${mb(m.bytes)}${m.synthetic ? ' (synthetic)' : ''}`).join('; ') : '—',
    processes: census,
    coldStart: cold ? `${ms(cold.spawnToReadyMs)} + load ${ms(cold.readyToLoadedMs)}` : '—',
    firstResult: cold ? `${ms(cold.timeToFirstResultMs)}${cold.cacheCold === true ? ' (cold cache)' : cold.cacheCold === false ? ' (warm cache)' : ''}` : '—',
  };
}

const HEADERS = ['Engine', 'Installed', 'Packages', 'Native (this platform)', 'Model files', 'Processes / threads', 'Spawn→ready + load', 'Time to first result'];

function cellsOf(row: FootprintRow): string[] {
  return [row.engine, row.installed, row.packages, row.native, row.models, row.processes, row.coldStart, row.firstResult];
}

function methodLines(footprint: Footprint): string[] {
  const first = footprint.engines.find((engine) => engine.install)?.install?.method;
  const census = footprint.engines.flatMap((engine) => engine.census)[0]?.method;
  const cold = footprint.engines.flatMap((engine) => engine.coldStart)[0]?.method;
  const models = footprint.engines.flatMap((engine) => engine.models)[0]?.method;
  return [...footprint.notes, ...[first, models, census, cold].filter((line): line is string => Boolean(line))];
}

export function renderFootprintMarkdown(footprint: Footprint): string {
  const lines = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const engine of footprint.engines) lines.push(`| ${cellsOf(rowFor(engine)).map(escapeMarkdownCell).join(' | ')} |`);
  lines.push('', `Platform: ${escapeMarkdownText(footprint.platform)}.${footprint.installMs !== undefined ? ` Install took ${ms(footprint.installMs)}.` : ''}`, '');
  for (const line of methodLines(footprint)) lines.push(`- ${escapeMarkdownText(line)}`);
  return `${lines.join('\n')}\n`;
}

/** Horizontal bars: installed size per engine, the native part darker. */
export function renderFootprintSvg(footprint: Footprint, escapeHtml: Escape): string {
  const measured = footprint.engines.filter((engine) => engine.install);
  if (measured.length === 0) return '';
  const max = Math.max(...measured.map((engine) => engine.install?.bytes ?? 0), 1);
  const labelWidth = 150;
  const barWidth = 420;
  const rowHeight = 26;
  const height = measured.length * rowHeight + 24;
  const bars = measured.map((engine, index) => {
    const install = engine.install as NonNullable<EngineFootprint['install']>;
    const y = index * rowHeight + 4;
    const total = (install.bytes / max) * barWidth;
    const native = (install.nativeBytes / max) * barWidth;
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12">${escapeHtml(engine.engine)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${total.toFixed(1)}" height="18" fill="#9ecae1"><title>${escapeHtml(`${engine.engine}: ${mb(install.bytes)} installed, ${install.packages} packages`)}</title></rect>`,
      `<rect x="${labelWidth}" y="${y}" width="${native.toFixed(1)}" height="18" fill="#3182bd"><title>${escapeHtml(`${engine.engine}: ${mb(install.nativeBytes)} native code for ${footprint.platform}`)}</title></rect>`,
      `<text x="${(labelWidth + total + 6).toFixed(1)}" y="${y + 15}" font-size="12">${escapeHtml(`${mb(install.bytes)} · ${install.packages} pkgs`)}</text>`,
    ].join('');
  });
  const legendY = measured.length * rowHeight + 18;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Installed size per engine" width="${labelWidth + barWidth + 160}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 160} ${height}" font-family="sans-serif">` +
    bars.join('') +
    `<rect x="${labelWidth}" y="${legendY - 10}" width="10" height="10" fill="#3182bd"/><text x="${labelWidth + 14}" y="${legendY}" font-size="11">native code (this platform)</text>` +
    `<rect x="${labelWidth + 190}" y="${legendY - 10}" width="10" height="10" fill="#9ecae1"/><text x="${labelWidth + 204}" y="${legendY}" font-size="11">everything installed</text>` +
    '</svg>'
  );
}

export function renderFootprintHtml(footprint: Footprint, escapeHtml: Escape): string {
  const head = `<tr>${HEADERS.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr>`;
  const rows = footprint.engines.map((engine) => `<tr>${cellsOf(rowFor(engine)).map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`);
  const methods = methodLines(footprint).map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return (
    `<div class="footprint"><div class="table-wrap"><table class="footprint-table"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>` +
    renderFootprintSvg(footprint, escapeHtml) +
    `<p>Platform: ${escapeHtml(footprint.platform)}.${footprint.installMs !== undefined ? ` Install took ${escapeHtml(ms(footprint.installMs))}.` : ''}</p>` +
    `<details><summary>How each figure is computed</summary><ul>${methods}</ul></details></div>`
  );
}
