/** 停车诱导: parking lots, their live free spaces (board.ts), the feed's effects (feed.ts), history. */
export {
  boardSettings,
  createParkingBoard,
  LOT_STATUS_LABELS,
  parkingBoardFor,
  statusOf,
  type BoardSettings,
  type GuidanceAnswer,
  type GuidanceArea,
  type GuidanceDocument,
  type GuidanceLot,
  type LotState,
  type LotStatus,
  type ParkingBoard,
} from './board.ts';
export { recordHeartbeat, recordPass, type Pass, type PassOutcome } from './feed.ts';
export { bucketOf, occupancyStats, sampleOccupancy } from './history.ts';
export { importLots, lotInputSchema, type ImportReport, type LotInput } from './lots.ts';
