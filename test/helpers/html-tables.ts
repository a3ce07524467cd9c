/** Reads a console page's tables as text, with workerd's HTMLRewriter (no DOM in the tests). */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

/** HTMLRewriter hands text over as written in the HTML, entities included. */
export function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ENTITIES[name]!);
}

/** The rows of the table matching `selector`, each row its cells' text (th and td), whitespace collapsed. */
export async function tableRows(html: string, selector: string): Promise<string[][]> {
  const rows: string[][] = [];
  let cell: string[] | null = null;
  await new HTMLRewriter()
    .on(`${selector} tr`, { element: () => void rows.push([]) })
    .on(`${selector} th, ${selector} td`, {
      element: (el) => {
        cell = [];
        rows.at(-1)!.push("");
        el.onEndTag(() => {
          rows.at(-1)![rows.at(-1)!.length - 1] = decodeEntities(cell!.join("")).replace(/\s+/g, " ").trim();
          cell = null;
        });
      },
    })
    .on(`${selector} tr`, {
      text: (t) => {
        if (cell) cell.push(t.text);
      },
    })
    .transform(new Response(html))
    .text();
  return rows;
}

/** The text content of the element with this id (e.g. a JSON <script>). */
export async function textOf(html: string, id: string): Promise<string | null> {
  let text: string | null = null;
  await new HTMLRewriter()
    .on(`#${id}`, { text: (t) => void (text = (text ?? "") + t.text) })
    .transform(new Response(html))
    .text();
  return text === null ? null : decodeEntities(text);
}
