export { bcdTimeToUtc, bcdToDigits, digitsToBcd, utcToBcdTime } from './bcd.js';
export {
  checkCode,
  decodeFrame,
  encodeFrame,
  encodePackets,
  escapeFrame,
  FrameSplitter,
  MAX_BODY_BYTES,
  MAX_FRAME_BYTES,
  readHeader,
  unescapeFrame,
} from './frame.js';
export type { Edition, EncodeOptions, FrameReason, FrameResult, Jt808Frame, Jt808Header, Split } from './frame.js';
export { decodeGbk, encodeGbk, encodeGbkFixed } from './gbk.js';
export { ALARM, messageTopic, MSG, REGISTER_RESULT, RESULT, STATUS } from './ids.js';
export {
  authenticationBody,
  driverIdentityBody,
  generalResponseBody,
  locationBatchBody,
  locationBody,
  parseAuthentication,
  parseDriverIdentity,
  parseLocation,
  parseLocationBatch,
  parseRegistration,
  parseRerequest,
  parseTerminalResponse,
  parseTextMessage,
  registrationBody,
  registrationResponseBody,
  rerequestBody,
  TEXT_FLAG,
  textMessageBody,
  vehicleControlBody,
} from './messages.js';
export type {
  Authentication,
  DriverIdentity,
  Location,
  LocationBatch,
  LocationInput,
  Parsed,
  Registration,
  TerminalResponse,
} from './messages.js';
export { decodeLocationMessage } from './location-message.js';
export type { LocationMessage } from './location-message.js';
export { locationToPosition } from './position.js';
export type { Mapped } from './position.js';
export { MAX_PACKETS, REASSEMBLY_TIMEOUT_MS, Reassembler, REREQUEST_AFTER_MS } from './reassembly.js';
export type { Assembled, Expired, Rerequest } from './reassembly.js';
