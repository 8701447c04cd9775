import PDFDocument from 'pdfkit';
import { formatValue } from './format.js';
import { reportFont } from './report-font.js';
import type { BarsSection, FiguresSection, ReportDocument, TableSection, ValueKind } from './report-model.js';

/**
 * Draws a report as an A4 PDF with PDFKit: the title, the key figures, bar charts drawn as vector shapes and
 * the tables, page after page with the header row repeated; every page carries the report's name and its
 * page number. Text is set in the embedded Noto Sans SC, so Chinese names print and can be searched and
 * copied from the file.
 *
 * Tables are laid out here, one line per row, rather than with PDFKit's table feature, which measures every
 * cell again and again and needs minutes for a few hundred rows.
 */

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const CONTENT = PAGE.width - 2 * MARGIN;
const BOTTOM = PAGE.height - MARGIN - 14; // room for the footer
const ROW = 12;
const CELL_PAD = 2;
const COLOURS = ['#2f5d9e', '#d08a2e'];
const INK = '#1a1a1a';
const MUTED = '#666666';
const RULE = '#c8c8c8';
const SHADE = '#f1f3f6';

const NUMERIC: ValueKind[] = ['int', 'km', 'money', 'percent', 'number', 'duration'];

/**
 * Text options that keep text on one line of its box, cut with an ellipsis: PDFKit wraps at word breaks even
 * with `lineBreak: false`, so the box's height is what holds it to one line (Noto Sans's line is 1.45 em).
 */
const oneLine = (width: number, size: number, lines = 1): PDFKit.Mixins.TextOptions => ({
  width,
  height: size * 1.5 * lines,
  ellipsis: true,
});

export interface PdfOptions {
  timeZone: string;
  /** When the report was made; also the file's creation date, so the same data gives the same file. */
  generatedAt: Date;
}

export async function renderPdf(report: ReportDocument, options: PdfOptions): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${report.title} ${report.subtitle}`,
      Subject: report.kind,
      Creator: 'Official-car oversight service',
      CreationDate: options.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.registerFont('regular', reportFont('regular'));
  doc.registerFont('bold', reportFont('bold'));
  const pdf = new Drawing(doc, options.timeZone);

  pdf.heading(report.title, 16);
  doc.font('regular').fontSize(11).fillColor(INK).text(report.subtitle);
  doc.moveDown(0.3);
  for (const line of report.meta) {
    doc.font('regular').fontSize(8.5).fillColor(MUTED).text(`${line.label}: ${line.value}`);
  }
  doc.moveDown(0.6);
  for (const section of report.sections) {
    if (section.kind === 'figures') pdf.figures(section);
    else if (section.kind === 'bars') pdf.bars(section);
    else pdf.table(section);
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing below the bottom margin would start a new page: the footer lifts the margin for itself.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('regular')
      .fontSize(7.5)
      .fillColor(MUTED)
      .text(`${report.title} · ${report.subtitle}`, MARGIN, PAGE.height - MARGIN + 4, oneLine(CONTENT * 0.7, 7.5))
      .text(`第 ${i + 1} / ${range.count} 页 Page ${i + 1} of ${range.count}`, MARGIN, PAGE.height - MARGIN + 4, {
        ...oneLine(CONTENT, 7.5),
        align: 'right',
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await finished;
  return Buffer.concat(chunks);
}

class Drawing {
  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly timeZone: string,
  ) {}

  /** Starts a new page unless `height` more points fit on this one. */
  private room(height: number): void {
    if (this.doc.y + height > BOTTOM) {
      this.doc.addPage();
      this.doc.y = MARGIN;
    }
  }

  /** A section's title, on the page of what follows it (`keep` points of it). */
  heading(text: string, size = 12, keep = 0): void {
    this.room(size * 3 + keep);
    this.doc.font('bold').fontSize(size).fillColor(INK).text(text, MARGIN, this.doc.y, { width: CONTENT });
    this.doc.moveDown(0.3);
  }

  /** Label and value pairs, two to a line, or one to a line when a label needs the room. */
  figures(section: FiguresSection): void {
    const { doc } = this;
    doc.font('regular').fontSize(8.5);
    const widest = Math.max(...section.items.map((item) => doc.widthOfString(item.label)));
    const perLine = widest > (CONTENT / 2) * 0.68 - 6 ? 1 : 2;
    const cell = CONTENT / perLine;
    const labelWidth = perLine === 1 ? CONTENT * 0.7 : cell * 0.68;
    this.heading(section.title, 12, 2 * (ROW + 2));
    for (let i = 0; i < section.items.length; i += perLine) {
      this.room(ROW + 2);
      const y = doc.y;
      for (const [column, item] of section.items.slice(i, i + perLine).entries()) {
        const x = MARGIN + column * cell;
        doc
          .font('regular')
          .fontSize(8.5)
          .fillColor(MUTED)
          .text(item.label, x, y, oneLine(labelWidth - 4, 8.5));
        doc
          .font('bold')
          .fontSize(8.5)
          .fillColor(INK)
          .text(formatValue(item.value, item.valueKind, this.timeZone), x + labelWidth, y, {
            ...oneLine((perLine === 1 ? CONTENT * 0.3 : cell - labelWidth) - 8, 8.5),
            align: 'right',
          });
      }
      doc.y = y + ROW + 2;
    }
    doc.x = MARGIN;
    doc.moveDown(0.8);
  }

  table(section: TableSection): void {
    const { doc } = this;
    const total = section.columns.reduce((sum, c) => sum + (c.width ?? 1), 0);
    const widths = section.columns.map((c) => (CONTENT * (c.width ?? 1)) / total);
    const xs = widths.map((_, i) => MARGIN + widths.slice(0, i).reduce((a, b) => a + b, 0));
    doc.font('bold').fontSize(7);
    // A header too wide for its column takes a second line rather than being cut.
    const headerLines = section.columns.some((c, i) => doc.widthOfString(c.header) > widths[i] - 2 * CELL_PAD) ? 2 : 1;
    const headerHeight = headerLines * (ROW - 1) + 3;
    this.heading(section.title, 12, headerHeight + 2 * ROW);
    if (section.rows.length === 0) {
      doc
        .font('regular')
        .fontSize(8.5)
        .fillColor(MUTED)
        .text(section.empty ?? '无 None', MARGIN, doc.y);
      doc.moveDown(0.8);
      return;
    }
    const header = () => {
      const y = doc.y;
      doc.rect(MARGIN, y, CONTENT, headerHeight).fill(SHADE);
      section.columns.forEach((column, i) => {
        doc
          .font('bold')
          .fontSize(7)
          .fillColor(INK)
          .text(column.header, xs[i] + CELL_PAD, y + 2, {
            ...oneLine(widths[i] - 2 * CELL_PAD, 7, headerLines),
            align: NUMERIC.includes(column.kind ?? 'text') ? 'right' : 'left',
          });
      });
      doc.y = y + headerHeight;
    };
    header();
    const limit = Math.min(section.rows.length, section.pdfRowLimit ?? Infinity);
    for (let r = 0; r < limit; r++) {
      if (doc.y + ROW > BOTTOM) {
        doc.addPage();
        doc.y = MARGIN;
        header();
      }
      const y = doc.y;
      const row = section.rows[r];
      if (r % 2 === 1) doc.rect(MARGIN, y, CONTENT, ROW).fill(SHADE);
      section.columns.forEach((column, i) => {
        const kind = column.kind ?? 'text';
        doc
          .font('regular')
          .fontSize(7)
          .fillColor(INK)
          .text(formatValue(row[column.key] ?? null, kind, this.timeZone), xs[i] + CELL_PAD, y + 1.5, {
            ...oneLine(widths[i] - 2 * CELL_PAD, 7),
            align: NUMERIC.includes(kind) ? 'right' : 'left',
          });
      });
      doc.y = y + ROW;
    }
    doc
      .moveTo(MARGIN, doc.y)
      .lineTo(MARGIN + CONTENT, doc.y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.x = MARGIN;
    if (limit < section.rows.length) {
      doc.y += 3;
      doc
        .font('regular')
        .fontSize(7.5)
        .fillColor(MUTED)
        .text(
          `另有 ${section.rows.length - limit} 行见 XLSX 文件 ${section.rows.length - limit} more rows are in the XLSX file`,
          MARGIN,
          doc.y,
        );
    }
    doc.moveDown(1);
  }

  /** Horizontal bars, one group per category: the label on the left, the bars, the value at each bar's end. */
  bars(section: BarsSection): void {
    const { doc } = this;
    const series = section.series.length;
    const barHeight = 8;
    const groupHeight = series * barHeight + 5;
    this.heading(section.title, 12, ROW + 2 * groupHeight);
    if (section.bars.length === 0) {
      doc
        .font('regular')
        .fontSize(8.5)
        .fillColor(MUTED)
        .text(section.empty ?? '无 None', MARGIN, doc.y);
      doc.moveDown(0.8);
      return;
    }
    const labelWidth = 150;
    const valueWidth = 70;
    const plotX = MARGIN + labelWidth;
    const plotWidth = CONTENT - labelWidth - valueWidth;
    const { max, ticks } = axisOf(
      Math.max(0, ...section.bars.flatMap((b) => b.values)),
      section.series[0].valueKind ?? 'int',
    );

    if (series > 1) {
      this.room(ROW);
      const y = doc.y;
      let x = plotX;
      section.series.forEach((s, i) => {
        doc.rect(x, y + 2, 8, 6).fill(COLOURS[i % COLOURS.length]);
        doc
          .font('regular')
          .fontSize(7.5)
          .fillColor(INK)
          .text(s.label, x + 11, y, oneLine(doc.widthOfString(s.label) + 2, 7.5));
        x += 11 + doc.widthOfString(s.label) + 14;
      });
      doc.y = y + ROW;
    }
    const drawAxis = (top: number, bottom: number) => {
      const kind = tickKind(section.series[0].valueKind, max / ticks);
      for (let t = 0; t <= ticks; t++) {
        const x = plotX + (plotWidth * t) / ticks;
        doc.moveTo(x, top).lineTo(x, bottom).lineWidth(0.4).strokeColor(RULE).stroke();
        doc
          .font('regular')
          .fontSize(6.5)
          .fillColor(MUTED)
          .text(formatValue((max * t) / ticks, kind, this.timeZone), x - 30, bottom + 2, {
            ...oneLine(60, 6.5),
            align: 'center',
          });
      }
    };
    let top = doc.y;
    for (const bar of section.bars) {
      if (doc.y + groupHeight > BOTTOM - ROW) {
        drawAxis(top, doc.y);
        doc.addPage();
        doc.y = MARGIN;
        top = doc.y;
      }
      const y = doc.y;
      doc
        .font('regular')
        .fontSize(7.5)
        .fillColor(INK)
        .text(bar.label, MARGIN, y + (groupHeight - 5) / 2 - 4.5, oneLine(labelWidth - 6, 7.5));
      bar.values.forEach((value, i) => {
        const by = y + i * barHeight;
        const width = max === 0 ? 0 : (plotWidth * value) / max;
        if (width > 0) doc.rect(plotX, by, Math.max(width, 0.8), barHeight - 1.5).fill(COLOURS[i % COLOURS.length]);
        doc
          .font('regular')
          .fontSize(6.5)
          .fillColor(INK)
          .text(
            formatValue(value, section.series[i].valueKind ?? 'int', this.timeZone),
            plotX + width + 3,
            by,
            oneLine(valueWidth, 6.5),
          );
      });
      doc.y = y + groupHeight;
    }
    drawAxis(top, doc.y);
    doc.y += ROW;
    doc.x = MARGIN;
    doc.moveDown(0.8);
  }
}

/** Axis labels: shares as per cent; other values whole unless a step of the axis is a fraction. */
function tickKind(kind: ValueKind | undefined, step: number): ValueKind {
  if (kind === 'percent') return 'percent';
  return Number.isInteger(step) ? 'int' : 'km';
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above the largest value, so the axis ends on a round number. */
export function niceMax(value: number): number {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * The axis of a chart: where it ends and in how many steps, so the steps are round (5 × 20, 4 × 1 000). Counts
 * get at least four whole steps; an empty chart gets an axis of 0 to 4.
 */
export function axisOf(largest: number, kind: ValueKind): { max: number; ticks: number } {
  const whole = kind !== 'percent' && kind !== 'km';
  let max = niceMax(largest);
  if (whole && max < 4) max = 4;
  if (max === 0) max = kind === 'percent' ? 1 : 4;
  return { max, ticks: max % 5 === 0 ? 5 : 4 };
}
