import ExcelJS from 'exceljs';
import type request from 'supertest';

/**
 * Reading reports back as a person's tools would: the text of a PDF as PDF.js (Firefox's viewer) extracts
 * it, and the cells of an XLSX workbook as ExcelJS reads them.
 */

/** The text of each page, its pieces joined by single spaces. */
export async function pdfPages(bytes: Buffer): Promise<string[]> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    const text = content.items
      .map((item) => ('str' in item ? item.str : ''))
      .join(' ')
      .replace(/\s+/g, ' ');
    pages.push(text);
  }
  await pdf.destroy();
  return pages;
}

export async function pdfText(bytes: Buffer): Promise<string> {
  return (await pdfPages(bytes)).join('\n');
}

export async function workbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  return book;
}

/** A sheet's rows after the header, as objects keyed by the header cells. */
export function sheetRows(book: ExcelJS.Workbook, name: string): Record<string, ExcelJS.CellValue>[] {
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}; the workbook has ${book.worksheets.map((s) => s.name).join(', ')}`);
  const header = (sheet.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(String);
  const rows: Record<string, ExcelJS.CellValue>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as ExcelJS.CellValue[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
  });
  return rows;
}

/** The summary sheet's figures by their field name (third column). */
export function summaryFigures(book: ExcelJS.Workbook): Map<string, ExcelJS.CellValue> {
  const sheet = book.getWorksheet('概要 Summary')!;
  const figures = new Map<string, ExcelJS.CellValue>();
  sheet.eachRow((row) => {
    const key = row.getCell(3).value;
    if (typeof key === 'string' && key !== '字段 Field') figures.set(key, row.getCell(2).value);
  });
  return figures;
}

/** Makes supertest keep a binary answer's bytes in `res.body`. */
export function binary(req: request.Test): request.Test {
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

/** Every leaf of a nested object as `a.b` → value (the stats answer's figures by field name). */
export function flatten(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      for (const [kk, vv] of flatten(v, prefix ? `${prefix}.${k}` : k)) out.set(kk, vv);
    }
  } else out.set(prefix, value);
  return out;
}
