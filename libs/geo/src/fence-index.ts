import Flatbush from 'flatbush';
import type { Position } from 'geojson';
import type { Fence, FenceLookup } from './fence.types.js';

/** Average number of edges per latitude band of a polygon: small enough that a check tests only a few edges. */
const EDGES_PER_BAND = 8;
/** Grid cells per polygon, and the bounds of the grid's size. */
const CELLS_PER_POLYGON = 8;
const MIN_CELLS = 256;
const MAX_CELLS = 1 << 20;
/** A cell listing more polygons than this is answered by the R-tree instead (fences clustered in one spot). */
const MAX_CELL_ITEMS = 24;

/**
 * One polygon of a fence, laid out for fast ray casting: all edges of all its rings (outer and holes) as
 * flat `[x1, y1, x2, y2]` quadruples, bucketed into horizontal bands so a point is tested only against the
 * edges whose latitude range covers it (a 272-point district boundary costs a handful of edge tests).
 */
interface PreparedPolygon {
  fence: number;
  edges: Float64Array;
  minY: number;
  bandHeight: number;
  bandCount: number;
  /** Band b's edges are bandEdges[bandStart[b] .. bandStart[b + 1]). */
  bandStart: Uint32Array;
  bandEdges: Uint32Array;
}

/**
 * The fences in memory, answering "which fences contain this point?" for many fences at once. Candidates
 * come from a uniform grid over all fences (one array read per point): each cell lists the polygons whose
 * boundary may cross it, to be decided by a bounding-box test and even-odd ray casting, and the polygons
 * that cover it whole, which need no test (most of a district boundary). Crowded cells fall back to a
 * flatbush R-tree over the polygons' boxes. Points exactly on an edge may fall either way; the rules'
 * dwell hysteresis absorbs that.
 */
export class FenceIndex implements FenceLookup {
  private readonly fences: readonly Fence[];
  private readonly ids = new Map<string, Fence>();
  private readonly polygons: PreparedPolygon[] = [];
  private readonly tree: Flatbush | null;
  /** Per fence, the number of the last query that reported it, so a multipolygon is reported once. */
  private readonly seen: Uint32Array;
  private query = 0;
  private readonly candidates: number[] = [];
  /** Per polygon: minX, minY, maxX, maxY. */
  private readonly boxes: Float64Array;
  private readonly grid: Grid | null;

  constructor(fences: readonly Fence[]) {
    this.fences = [...fences];
    this.seen = new Uint32Array(this.fences.length);
    const boxes: [number, number, number, number][] = [];
    this.fences.forEach((fence, f) => {
      this.ids.set(fence.id, fence);
      const polys = fence.geometry.type === 'Polygon' ? [fence.geometry.coordinates] : fence.geometry.coordinates;
      for (const rings of polys) {
        const prepared = preparePolygon(f, rings);
        if (!prepared) continue;
        this.polygons.push(prepared.polygon);
        boxes.push(prepared.box);
      }
    });
    this.boxes = new Float64Array(boxes.flat());
    if (boxes.length === 0) {
      this.tree = null;
      this.grid = null;
      return;
    }
    const tree = new Flatbush(boxes.length);
    for (const [minX, minY, maxX, maxY] of boxes) tree.add(minX, minY, maxX, maxY);
    tree.finish();
    this.tree = tree;
    this.grid = buildGrid(boxes, this.polygons);
  }

  get size(): number {
    return this.fences.length;
  }

  all(): readonly Fence[] {
    return this.fences;
  }

  byId(id: string): Fence | undefined {
    return this.ids.get(id);
  }

  containing(lon: number, lat: number): Fence[] {
    const result: Fence[] = [];
    if (!this.tree || !Number.isFinite(lon) || !Number.isFinite(lat)) return result;
    if (this.query === 0xfffffffe) {
      this.seen.fill(0);
      this.query = 0;
    }
    const query = ++this.query;
    const grid = this.grid!;
    const col = Math.floor((lon - grid.minX) * grid.invCellW);
    const row = Math.floor((lat - grid.minY) * grid.invCellH);
    if (col < 0 || row < 0 || col >= grid.cols || row >= grid.rows) return result;
    const cell = row * grid.cols + col;
    const start = grid.cellStart[cell];
    const end = grid.cellStart[cell + 1];
    const boxes = this.boxes;
    if (end - start <= MAX_CELL_ITEMS) {
      for (let k = start; k < end; k++) {
        const item = grid.cellItems[k];
        if (item & WHOLE_CELL) {
          const polygon = this.polygons[item & ~WHOLE_CELL];
          if (this.seen[polygon.fence] === query) continue;
          this.seen[polygon.fence] = query;
          result.push(this.fences[polygon.fence]);
          continue;
        }
        const o = item * 4;
        if (lon < boxes[o] || lat < boxes[o + 1] || lon > boxes[o + 2] || lat > boxes[o + 3]) continue;
        const polygon = this.polygons[item];
        if (this.seen[polygon.fence] === query) continue;
        if (insidePolygon(polygon, lon, lat)) {
          this.seen[polygon.fence] = query;
          result.push(this.fences[polygon.fence]);
        }
      }
      return result;
    }
    const candidates = this.candidates;
    candidates.length = 0;
    this.tree.search(lon, lat, lon, lat, (i) => {
      candidates.push(i);
      return false;
    });
    // Same order as the grid path: fences in the order they were given.
    candidates.sort((a, b) => a - b);
    for (let c = 0; c < candidates.length; c++) {
      const polygon = this.polygons[candidates[c]];
      if (this.seen[polygon.fence] === query) continue;
      if (insidePolygon(polygon, lon, lat)) {
        this.seen[polygon.fence] = query;
        result.push(this.fences[polygon.fence]);
      }
    }
    return result;
  }
}

interface Grid {
  minX: number;
  minY: number;
  invCellW: number;
  invCellH: number;
  cols: number;
  rows: number;
  /** Cell c's polygons are cellItems[cellStart[c] .. cellStart[c + 1]). */
  cellStart: Uint32Array;
  cellItems: Uint32Array;
}

/** Marks a grid item whose polygon covers the whole cell: no point test needed there. */
const WHOLE_CELL = 0x80000000;

function buildGrid(boxes: [number, number, number, number][], polygons: PreparedPolygon[]): Grid {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const b of boxes) {
    minX = Math.min(minX, b[0]);
    minY = Math.min(minY, b[1]);
    maxX = Math.max(maxX, b[2]);
    maxY = Math.max(maxY, b[3]);
  }
  const width = Math.max(maxX - minX, 1e-9);
  const height = Math.max(maxY - minY, 1e-9);
  const target = Math.min(MAX_CELLS, Math.max(MIN_CELLS, boxes.length * CELLS_PER_POLYGON));
  const cols = Math.max(1, Math.min(target, Math.round(Math.sqrt((target * width) / height))));
  const rows = Math.max(1, Math.min(target, Math.ceil(target / cols)));
  // A hair wider than the boxes, so a point on the far edge still maps to the last cell.
  const cellW = (width * (1 + 1e-9)) / cols;
  const cellH = (height * (1 + 1e-9)) / rows;
  const invCellW = 1 / cellW;
  const invCellH = 1 / cellH;
  const colOf = (x: number) => Math.max(0, Math.min(cols - 1, Math.floor((x - minX) * invCellW)));
  const rowOf = (y: number) => Math.max(0, Math.min(rows - 1, Math.floor((y - minY) * invCellH)));
  const cells: number[][] = Array.from({ length: cols * rows }, () => []);
  boxes.forEach((b, i) => {
    const c0 = colOf(b[0]);
    const r0 = rowOf(b[1]);
    const c1 = colOf(b[2]);
    const r1 = rowOf(b[3]);
    const spanCols = c1 - c0 + 1;
    // Cells an edge may cross (its bounding box touches them); every other cell of the box lies wholly
    // inside or wholly outside the polygon, decided once by its centre.
    const crossed = new Uint8Array(spanCols * (r1 - r0 + 1));
    const edges = polygons[i].edges;
    for (let o = 0; o < edges.length; o += 4) {
      const ec0 = colOf(Math.min(edges[o], edges[o + 2])) - c0;
      const ec1 = colOf(Math.max(edges[o], edges[o + 2])) - c0;
      const er0 = rowOf(Math.min(edges[o + 1], edges[o + 3])) - r0;
      const er1 = rowOf(Math.max(edges[o + 1], edges[o + 3])) - r0;
      for (let r = er0; r <= er1; r++) for (let c = ec0; c <= ec1; c++) crossed[r * spanCols + c] = 1;
    }
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        if (crossed[(r - r0) * spanCols + (c - c0)]) cells[r * cols + c].push(i);
        else if (insidePolygon(polygons[i], minX + (c + 0.5) * cellW, minY + (r + 0.5) * cellH)) {
          cells[r * cols + c].push((i | WHOLE_CELL) >>> 0);
        }
      }
    }
  });
  const cellStart = new Uint32Array(cols * rows + 1);
  for (let c = 0; c < cells.length; c++) cellStart[c + 1] = cellStart[c] + cells[c].length;
  const cellItems = new Uint32Array(cellStart[cells.length]);
  cells.forEach((items, c) => cellItems.set(items, cellStart[c]));
  return { minX, minY, invCellW, invCellH, cols, rows, cellStart, cellItems };
}

function preparePolygon(
  fence: number,
  rings: Position[][],
): { polygon: PreparedPolygon; box: [number, number, number, number] } | null {
  let edgeCount = 0;
  for (const ring of rings) edgeCount += ring.length;
  const edges = new Float64Array(edgeCount * 4);
  let n = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings) {
    if (ring.length < 3) continue;
    // The closing position repeats the first; walking i → i+1 with wrap-around covers every edge once.
    const closed = ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
    const count = closed ? ring.length - 1 : ring.length;
    for (let i = 0; i < count; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % count];
      if (a[1] === b[1] && a[0] === b[0]) continue;
      edges[n * 4] = a[0];
      edges[n * 4 + 1] = a[1];
      edges[n * 4 + 2] = b[0];
      edges[n * 4 + 3] = b[1];
      n++;
      if (a[0] < minX) minX = a[0];
      if (a[0] > maxX) maxX = a[0];
      if (a[1] < minY) minY = a[1];
      if (a[1] > maxY) maxY = a[1];
    }
  }
  if (n < 3) return null;
  const bandCount = Math.max(1, Math.ceil(n / EDGES_PER_BAND));
  const bandHeight = (maxY - minY) / bandCount || 1;
  const bandOf = (y: number) => Math.min(bandCount - 1, Math.max(0, Math.floor((y - minY) / bandHeight)));
  const counts = new Uint32Array(bandCount + 1);
  for (let e = 0; e < n; e++) {
    const lo = bandOf(Math.min(edges[e * 4 + 1], edges[e * 4 + 3]));
    const hi = bandOf(Math.max(edges[e * 4 + 1], edges[e * 4 + 3]));
    for (let b = lo; b <= hi; b++) counts[b + 1]++;
  }
  for (let b = 0; b < bandCount; b++) counts[b + 1] += counts[b];
  const bandStart = counts.slice();
  const fill = counts.slice(0, bandCount);
  const bandEdges = new Uint32Array(bandStart[bandCount]);
  for (let e = 0; e < n; e++) {
    const lo = bandOf(Math.min(edges[e * 4 + 1], edges[e * 4 + 3]));
    const hi = bandOf(Math.max(edges[e * 4 + 1], edges[e * 4 + 3]));
    for (let b = lo; b <= hi; b++) bandEdges[fill[b]++] = e;
  }
  return {
    polygon: { fence, edges: edges.slice(0, n * 4), minY, bandHeight, bandCount, bandStart, bandEdges },
    box: [minX, minY, maxX, maxY],
  };
}

/** Even-odd rule over all rings (holes included) with a ray towards +x, testing only the point's band. */
function insidePolygon(p: PreparedPolygon, lon: number, lat: number): boolean {
  let band = Math.floor((lat - p.minY) / p.bandHeight);
  if (band < 0) band = 0;
  else if (band >= p.bandCount) band = p.bandCount - 1;
  const edges = p.edges;
  const list = p.bandEdges;
  let inside = false;
  for (let k = p.bandStart[band], end = p.bandStart[band + 1]; k < end; k++) {
    const o = list[k] * 4;
    const y1 = edges[o + 1];
    const y2 = edges[o + 3];
    if (y1 > lat !== y2 > lat) {
      const x1 = edges[o];
      if (lon < ((edges[o + 2] - x1) * (lat - y1)) / (y2 - y1) + x1) inside = !inside;
    }
  }
  return inside;
}
