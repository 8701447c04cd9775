import type { EmailSender } from '#app/notifications';
import type { DeliverableReport, DeliveryReceipt, ReportDeliveryChannel } from '#app/reports';

const PERIOD = /^(\d{4})-(\d{2})$/;

/**
 * The monthly oversight report e-mailed to the district leaders (REPORT_RECIPIENTS), the file attached, one
 * message per recipient so that one refused address does not hold up the others. A failed send is recorded
 * as such (report_deliveries and the history); the report stays in the service for download.
 */
export class EmailReportChannel implements ReportDeliveryChannel {
  readonly name = 'email';

  constructor(
    private readonly sender: EmailSender,
    private readonly recipients: readonly string[],
  ) {}

  async deliver(report: DeliverableReport): Promise<DeliveryReceipt[]> {
    const content = await report.content();
    const [, year, month] = PERIOD.exec(report.period) ?? [];
    const period = year ? `${year} 年 ${Number(month)} 月` : report.period;
    const receipts: DeliveryReceipt[] = [];
    for (const to of this.recipients) {
      try {
        await this.sender.send({
          to,
          subject: `公务用车监管月报 ${period} Monthly oversight report ${report.period} (${report.format.toUpperCase()})`,
          text: [
            `${period}公务用车监管月报见附件。`,
            `The official-car oversight report for ${report.period} is attached: ${report.fileName}.`,
            `SHA-256 ${report.sha256}`,
          ].join('\n'),
          attachments: [{ filename: report.fileName, content, contentType: report.mediaType }],
        });
        receipts.push({ recipient: to, status: 'delivered', detail: `e-mailed ${report.fileName}` });
      } catch (error) {
        receipts.push({ recipient: to, status: 'failed', detail: (error as Error).message });
      }
    }
    return receipts;
  }
}
