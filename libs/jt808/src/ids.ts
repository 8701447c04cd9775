/** Message ids the platform handles or sends (JT/T 808-2013/2019). */
export const MSG = {
  TERMINAL_RESPONSE: 0x0001,
  HEARTBEAT: 0x0002,
  DEREGISTER: 0x0003,
  REGISTER: 0x0100,
  AUTHENTICATE: 0x0102,
  LOCATION: 0x0200,
  LOCATION_QUERY_RESPONSE: 0x0201,
  DRIVER_IDENTITY: 0x0702,
  LOCATION_BATCH: 0x0704,
  PLATFORM_RESPONSE: 0x8001,
  REREQUEST_PACKETS: 0x8003,
  REGISTER_RESPONSE: 0x8100,
  LOCATION_QUERY: 0x8201,
  TEXT_MESSAGE: 0x8300,
  VEHICLE_CONTROL: 0x8500,
} as const;

/** Result byte of 0x8001 / 0x0001. */
export const RESULT = { OK: 0, FAILURE: 1, MESSAGE_ERROR: 2, UNSUPPORTED: 3 } as const;

/** Result byte of 0x8100. */
export const REGISTER_RESULT = {
  OK: 0,
  VEHICLE_REGISTERED: 1,
  NO_SUCH_VEHICLE: 2,
  TERMINAL_REGISTERED: 3,
  NO_SUCH_TERMINAL: 4,
} as const;

/** `jt808/0x0200`: the topic a frame is recorded under. */
export function messageTopic(msgId: number | null): string {
  return msgId === null ? 'jt808/unknown' : `jt808/0x${msgId.toString(16).padStart(4, '0')}`;
}

/** Status bits used by the platform. */
export const STATUS = { ACC: 1 << 0, POSITIONED: 1 << 1, SOUTH: 1 << 2, WEST: 1 << 3 } as const;
/** Alarm bits named by the tamper rules (they are stored as sent). */
export const ALARM = {
  SOS: 1 << 0,
  GNSS_FAULT: 1 << 4,
  ANTENNA_CUT: 1 << 5,
  ANTENNA_SHORT: 1 << 6,
  POWER_LOW: 1 << 7,
  POWER_OFF: 1 << 8,
} as const;
