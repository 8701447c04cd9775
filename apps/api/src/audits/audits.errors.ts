import { HttpException, HttpStatus } from '@nestjs/common';

/** Every way an audit request can fail, with its HTTP status and message, in one place. */
const AUDIT_ERRORS = {
  BAD_WEEK: { status: HttpStatus.BAD_REQUEST, message: 'week must be an ISO week such as 2026-W48' },
  WEEK_NOT_DRAWN: { status: HttpStatus.NOT_FOUND, message: 'this week has not been drawn' },
  WEEK_ALREADY_DRAWN: {
    status: HttpStatus.CONFLICT,
    message: 'this week has already been drawn; a week is drawn once',
  },
  NO_ACTIVE_CARS: { status: HttpStatus.CONFLICT, message: 'no active cars are registered; nothing to draw yet' },
  ITEM_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no such item in this week' },
  ITEM_ALREADY_REVIEWED: { status: HttpStatus.CONFLICT, message: 'this item has already been marked' },
} as const;

export type AuditErrorCode = keyof typeof AUDIT_ERRORS;

export function auditError(code: AuditErrorCode, detail?: string): HttpException {
  const { status, message } = AUDIT_ERRORS[code];
  return new HttpException(
    { statusCode: status, error: code, message: detail ? `${message}: ${detail}` : message },
    status,
  );
}
