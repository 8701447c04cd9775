/**
 * A report as data: what it says, apart from how a file shows it. The builders (activity, weekly audit,
 * monthly oversight) read the database into this shape; the PDF and XLSX renderers draw the same shape, so
 * the two files of one report always carry the same figures.
 */

export const REPORT_KINDS = ['activity', 'weekly_audit', 'monthly_oversight'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_FORMATS = ['pdf', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const MEDIA_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * How a value is shown: `km` and `money` are numbers with one and two decimals, `percent` a share (0.25 is
 * 25.0 %), `time` an instant shown as wall time in the policy zone, `duration` seconds as h:mm.
 */
export type ValueKind = 'text' | 'int' | 'km' | 'money' | 'percent' | 'time' | 'duration' | 'number';

export type Value = string | number | Date | null;

export interface Column {
  /** The field of each row; also the column's key in the XLSX header note. */
  key: string;
  /** Chinese first, English beside. */
  header: string;
  kind?: ValueKind;
  /** Relative width in the PDF (default 1). */
  width?: number;
}

export interface FiguresSection {
  kind: 'figures';
  title: string;
  items: { key: string; label: string; value: Value; valueKind?: ValueKind }[];
}

export interface TableSection {
  kind: 'table';
  /** Short name, used as the XLSX sheet name (≤ 31 characters). */
  sheet: string;
  title: string;
  columns: Column[];
  rows: Record<string, Value>[];
  /** Said under the table when it has no rows. */
  empty?: string;
  /** The PDF lists at most this many rows and says how many more the XLSX file holds; the XLSX holds all. */
  pdfRowLimit?: number;
}

/** A bar chart: one bar per category and series (a second series is drawn beside the first). */
export interface BarsSection {
  kind: 'bars';
  sheet: string;
  title: string;
  series: { key: string; label: string; valueKind?: ValueKind }[];
  bars: { label: string; values: number[] }[];
  empty?: string;
}

export type Section = FiguresSection | TableSection | BarsSection;

export interface ReportDocument {
  kind: ReportKind;
  title: string;
  /** What the report covers (the car, unit or fleet; the week; the month). */
  subtitle: string;
  /** Base of the file name, ASCII: `activity-2026-03-01-2026-03-31-su-n-a1234`. */
  fileStem: string;
  /** Lines under the title: the period, the time zone, when it was made. */
  meta: { label: string; value: string }[];
  sections: Section[];
}

/** Reports the share of the work done (0–1); a builder calls it as it goes. */
export type Progress = (done: number) => Promise<void> | void;
export const noProgress: Progress = () => undefined;
