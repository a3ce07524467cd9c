import type { ExportDataset } from "./datasets";

/**
 * The JSON document, piece by piece: the header and the account, then each
 * dataset as an array written one page at a time. Concatenated, the pieces
 * are one JSON object; nothing holds more than a page.
 */
export async function* jsonExport(generatedAt: string, account: object, datasets: readonly ExportDataset[]): AsyncGenerator<string> {
  yield `{"object":"account_export","generated_at":${JSON.stringify(generatedAt)},"account":${JSON.stringify(account)}`;
  for (const d of datasets) {
    let separator = "";
    yield `,${JSON.stringify(d.name)}:[`;
    for await (const page of d.pages()) {
      yield separator + page.map((row) => JSON.stringify(row)).join(",");
      separator = ",";
    }
    yield "]";
  }
  yield "}\n";
}
