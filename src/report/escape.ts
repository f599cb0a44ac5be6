/**
 * The one place untrusted text becomes markup. Every string that came from a model
 * output, a fixture manifest or a results file goes through `escapeHtml` before it
 * reaches HTML, in text and attribute contexts alike.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Safe in element text and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON for a `<script type="application/json">` block: `<` becomes `\u003c` so no
 * `</script>` or `<!--` inside the data can end or confuse the tag. The line and paragraph
 * separators are escaped too, for tools that treat the block as JavaScript.
 */
export function jsonForScriptTag(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Markdown. Every Markdown output (report.md with its claims, roofline and footprint tables, the
 * compare summary) puts text from results and fixtures through these, so a failure reason or a
 * fixture id like `<img src=x onerror=…>` or `a | b` renders as text everywhere alike:
 * - escapeMarkdownCell: inside a table cell;
 * - escapeMarkdownText: in prose on one line (a heading, a list item, a sentence);
 * - markdownCodeSpan / markdownCodeBlock: shown verbatim, where no escape would work.
 */

/** Markup renders as text; characters that start emphasis, links or code are escaped. Line breaks are left to the callers. */
function escapeMarkdownInline(value: unknown): string {
  return escapeControlBytes(
    String(value ?? '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_[\]~])/g, '\\$1'),
  );
}

/** A GitHub-flavoured Markdown table cell: `|` cannot split the cell, a line break cannot end the row, markup renders as text. */
export function escapeMarkdownCell(value: unknown): string {
  return escapeMarkdownInline(value)
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Markdown prose on one line: markup renders as text, a line break cannot start a heading or a block, a leading # is text. */
export function escapeMarkdownText(value: unknown): string {
  return escapeMarkdownInline(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/^(\s*)#/, '$1\\#');
}

/** Inline code shows its content verbatim (no escape works inside), so only backticks and line breaks need care. */
export function markdownCodeSpan(value: unknown): string {
  return `\`${escapeControlBytes(String(value ?? '').replace(/`/g, "'").replace(/\r\n|\r|\n/g, ' '))}\``;
}

/** A fenced block whose fence is longer than any backtick run inside, so the content cannot close it. */
export function markdownCodeBlock(content: string, language = ''): string {
  const longest = Math.max(2, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${escapeControlBytes(content)}\n${fence}`;
}

/** C0 and C1 control characters other than tab, line feed and carriage return. */
const CONTROL_BYTES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Model output (a tiny random model's above all) can hold NUL and other control characters,
 * which break Markdown viewers and diff tools; they are written as `\u0000`-style escapes, the
 * same spelling JSON uses, so the text stays readable and every byte is still named.
 */
export function escapeControlBytes(text: string): string {
  return text.replace(CONTROL_BYTES, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for an SVG <text> node or attribute (SVG inline in HTML follows the same rules). */
export const escapeSvg = escapeHtml;
