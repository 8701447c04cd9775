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
  MEETING_CLOSED: {
    status: HttpStatus.CONFLICT,
    message: 'the meeting is no longer open (closed, adjourned or cancelled)',
  },
  NOT_ELIGIBLE_MEMBER: {
    status: HttpStatus.BAD_REQUEST,
    message: 'members must be active users with the role member',
  },
  NOT_PRE_REVIEWED: {
    status: HttpStatus.CONFLICT,
    message: 'only a pre-reviewed request awaiting a meeting can go on an agenda',
  },
  ALREADY_ON_AGENDA: { status: HttpStatus.CONFLICT, message: 'the request is already on an agenda' },
  ITEM_NOT_FOUND: { status: HttpStatus.NOT_FOUND, message: 'no such agenda item in this meeting' },
  NOT_A_MEMBER: { status: HttpStatus.FORBIDDEN, message: 'not a member of this meeting' },
  NOT_PRESENT: { status: HttpStatus.FORBIDDEN, message: 'only members recorded as present may vote' },
  ALREADY_VOTED: { status: HttpStatus.CONFLICT, message: 'this member has already voted on this item' },
  ATTENDANCE_BEFORE_DECISION: {
    status: HttpStatus.CONFLICT,
    message: 'attendance cannot be changed at a time before an item of this meeting was decided',
  },
  ITEM_WITHDRAWN: { status: HttpStatus.CONFLICT, message: 'this item was withdrawn from the meeting' },
  VOTES_MISSING: {
    status: HttpStatus.CONFLICT,
    message: 'not every member present has voted or abstained; give closeVoteReason to close the vote without them',
  },
  NOT_WITHDRAWABLE: { status: HttpStatus.CONFLICT, message: 'only a request not yet decided can be withdrawn' },
  MEETING_STARTED: {
    status: HttpStatus.CONFLICT,
    message: 'the meeting has begun: the request can now only be withdrawn by the meeting',
  },
  ALREADY_DECIDED: { status: HttpStatus.CONFLICT, message: 'this item has already been decided' },
  NO_QUORUM: {
    status: HttpStatus.CONFLICT,
    message: 'no quorum: more than half of the members must be present to vote or decide',
  },
  UNDECIDED_ITEMS: {
    status: HttpStatus.CONFLICT,
    message: 'every agenda item must be decided or withdrawn before closing (or adjourn the meeting)',
  },
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
