export * from './fence.types.js';
export { convertPosition, toWgs84, mapPositions } from './coordinates.js';
export { prepareFenceShape, SHAPE_TYPES, CIRCLE_STEPS, MAX_SHAPE_METRES } from './fence-geometry.js';
export type { ShapeType, DrawnShape, PreparedShape, PrepareResult } from './fence-geometry.js';
export { FenceIndex } from './fence-index.js';
export { loadFences, fenceFromRow } from './load-fences.js';
export {
  loadDemoFences,
  suqianDistricts,
  districtFeature,
  DEMO_VENUES,
  DEMO_POINTS,
  DEMO_JURISDICTION_NAME,
  DEMO_PARKING_RADIUS_M,
  SUYU_ADCODE,
  SUCHENG_ADCODE,
} from './demo-fences.js';
export type { DemoVenue, DemoParkingLot } from './demo-fences.js';
export { projectRoot, projectFile } from './project-root.js';
export { selectRows } from './sql.js';
export type { SqlRunner } from './sql.js';
