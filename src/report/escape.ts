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
 * A GitHub-flavoured Markdown table cell: `|` cannot split the cell, newlines cannot end
 * the row, and markup renders as text.
 */
export function escapeMarkdownCell(value: unknown): string {
  return escapeMarkdownText(value)
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Markdown prose: markup renders as text; characters that start emphasis or links are escaped. */
export function escapeMarkdownText(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]])/g, '\\$1');
}

/** Text for an SVG <text> node or attribute (SVG inline in HTML follows the same rules). */
export const escapeSvg = escapeHtml;
