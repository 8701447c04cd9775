import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_FILE = join('proto', 'oversight', 'telematics', 'v1', 'telematics.proto');

/** The repository root holds proto/; walk up from this file so both src/ and dist/ find it. */
function findProtoFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, PROTO_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PROTO_FILE} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let types: { Position: protobuf.Type; PositionBatch: protobuf.Type } | undefined;

/** The protobuf message types of the terminal contract, loaded once from the .proto file. */
export function telematicsTypes(): { Position: protobuf.Type; PositionBatch: protobuf.Type } {
  if (!types) {
    const root = protobuf.loadSync(findProtoFile());
    types = {
      Position: root.lookupType('oversight.telematics.v1.Position'),
      PositionBatch: root.lookupType('oversight.telematics.v1.PositionBatch'),
    };
  }
  return types;
}

/** Protobuf `Position` fields as JavaScript sees them (camel case, int64 as number). */
export interface ProtoPosition {
  fixTimeMs?: number;
  latE6?: number;
  lonE6?: number;
  speedDkmh?: number;
  headingDeg?: number;
  altitudeM?: number;
  satellites?: number;
  hdopD?: number;
  valid?: boolean;
  ignition?: boolean;
  alarmFlags?: number;
  statusFlags?: number;
  odometerHm?: number;
  seq?: number;
}

export function encodePositionProto(position: ProtoPosition): Uint8Array {
  const { Position } = telematicsTypes();
  return Position.encode(Position.fromObject(position)).finish();
}

export function encodePositionBatchProto(positions: ProtoPosition[], replay = false): Uint8Array {
  const { PositionBatch } = telematicsTypes();
  return PositionBatch.encode(PositionBatch.fromObject({ positions, replay })).finish();
}
