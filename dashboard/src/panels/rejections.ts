import type { DashboardModel, RejectionCount } from '../model';

/**
 * Records dropped or failed before the lake, largest first. Only the caller knows them (the local
 * cloud, for its run): no store the dashboard reads holds them.
 *
 * @param readFrom - what the page read, named in the empty state when the caller passed none
 */
export const rejectionsPanel = (
  rejections: { scope: string; counts: readonly RejectionCount[] } | undefined,
  readFrom: string | undefined,
): DashboardModel['tables']['rejections'] => {
  const rows = [...(rejections?.counts ?? [])]
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.reason.localeCompare(b.reason));
  return {
    provided: rejections !== undefined,
    ...(rejections ? { scope: rejections.scope } : {}),
    rows,
    total: rows.length,
    records: rows.reduce((sum, { count }) => sum + count, 0),
    ...(rejections === undefined
      ? {
          empty: `Not in ${readFrom ?? 'the warehouse'}: records dropped or failed before the lake are counted in CloudWatch (RecordsRejected and RecordsDropped, by reason) and kept under errors/ in the ingest bucket.`,
        }
      : rows.length === 0
        ? { empty: 'No record was dropped or failed.' }
        : {}),
  };
};
