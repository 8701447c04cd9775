import { HttpException, HttpStatus } from '@nestjs/common';

/** Every way a purchase request or a joint meeting action can be refused, in one place. */
const PURCHASE_ERRORS = {
  UNIT_REQUIRED: { status: HttpStatus.BAD_REQUEST, message: 'a request is made for a unit: give unitId' },
  NOT_OWN_UNIT: { status: HttpStatus.FORBIDDEN, message: 'a unit clerk may only request for their own unit' },
  UNKNOWN_UNIT: { status: HttpStatus.BAD_REQUEST, message: 'no such unit' },
  REPLACED_VEHICLE_INVALID: {
    status: HttpStatus.BAD_REQUEST,
    message: 'replacesVehicleId must be an active car of the requesting unit',
  },
  REQUEST_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no such purchase request' },
  NOT_AWAITING_PRE_REVIEW: { status: HttpStatus.CONFLICT, message: 'only a submitted request can be pre-reviewed' },
  MEETING_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no such meeting' },
  MEETING_CLOSED: { status: HttpStatus.CONFLICT, message: 'the meeting is closed' },
  NOT_ELIGIBLE_MEMBER: {
    status: HttpStatus.BAD_REQUEST,
    message: 'members must be active users with the role member',
  },
  NOT_PRE_REVIEWED: {
    status: HttpStatus.CONFLICT,
    message: 'only a request that passed pre-review can go on an agenda',
  },
  ALREADY_ON_AGENDA: { status: HttpStatus.CONFLICT, message: 'the request is already on an agenda' },
  ITEM_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no such agenda item in this meeting' },
  NOT_A_MEMBER: { status: HttpStatus.FORBIDDEN, message: 'not a member of this meeting' },
  NOT_PRESENT: { status: HttpStatus.FORBIDDEN, message: 'only members recorded as present may vote' },
  ALREADY_VOTED: { status: HttpStatus.CONFLICT, message: 'this member has already voted on this item' },
  ATTENDANCE_LOCKED: { status: HttpStatus.CONFLICT, message: 'attendance cannot change once voting has begun' },
  ALREADY_DECIDED: { status: HttpStatus.CONFLICT, message: 'this item has already been decided' },
  NO_QUORUM: {
    status: HttpStatus.CONFLICT,
    message: 'no quorum: more than half of the members must be present to decide',
  },
  UNDECIDED_ITEMS: { status: HttpStatus.CONFLICT, message: 'every agenda item must be decided before closing' },
  MINUTES_MISSING: { status: HttpStatus.CONFLICT, message: 'the minutes must be recorded before closing' },
} as const;

export type PurchaseErrorCode = keyof typeof PURCHASE_ERRORS;

export function purchaseError(code: PurchaseErrorCode, detail?: string): HttpException {
  const { status, message } = PURCHASE_ERRORS[code];
  return new HttpException(
    { statusCode: status, error: code, message: detail ? `${message}: ${detail}` : message },
    status,
  );
}
