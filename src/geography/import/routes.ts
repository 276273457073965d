/**
 * POST /api/geo/imports (administrator): one import file as JSON (its text in `content`, so a browser
 * sends what it read from the chosen file). 200 with the report when stored or checked (dryRun); 422
 * problem+json with the same report (`report`) and one error per refused row when anything was refused —
 * nothing is stored then.
 */
import { z } from 'zod';
import { ADMIN, logChange } from '../../reference/admin.ts';
import { defineRoute, type Route } from '../../api/route.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/index.ts';
import { COORDINATE_SYSTEMS } from '../coords.ts';
import { createGeoImporter, IMPORT_TARGETS } from './index.ts';
import { importRefused, rejectionsSchema } from './refusal.ts';

const reportSchema = z.object({
  target: z.enum(IMPORT_TARGETS),
  format: z.enum(['geojson', 'csv']),
  crs: z.enum(COORDINATE_SYSTEMS),
  stored: z.boolean(),
  dryRun: z.boolean(),
  rowsRead: z.number().int(),
  added: z.number().int(),
  updated: z.number().int(),
  rejected: rejectionsSchema,
});

export function geoImportRoutes({
  db,
  config,
}: {
  db: Db;
  config: Pick<Config, 'GEO_EXTENT' | 'GEO_IMPORT_MAX_BYTES'>;
}): Route[] {
  const importer = createGeoImporter({ prisma: db.prisma, extent: config.GEO_EXTENT });
  return [
    defineRoute({
      method: 'POST',
      path: '/api/geo/imports',
      summary: 'Import the gazetteer, the grid (单元网格, 责任网格) or components (部件) from GeoJSON or CSV',
      description:
        'All or nothing: every row is checked (geometry type, closed rings that do not cross themselves, positions inside GEO_EXTENT — latitude/longitude swapped is named —, codes well formed, references known), and only a file without a refused row is stored, in one transaction. `crs` is what the file is in (wgs84, cgcs2000, gcj02, bd09); positions are stored in WGS84. A GeoJSON `crs` member that names a projected system, or WGS84 while gcj02/bd09 is declared, refuses the file. Columns: src/geography/README.md. The geocoder and the grid index use the new rows from the next lookup.',
      tags: ['geography'],
      access: ADMIN,
      maxBodyBytes: config.GEO_IMPORT_MAX_BYTES,
      body: z.object({
        target: z.enum(IMPORT_TARGETS),
        format: z.enum(['geojson', 'csv']),
        crs: z.enum(COORDINATE_SYSTEMS),
        content: z.string().min(1).describe('the file as text (UTF-8)'),
        fileName: z.string().max(200).optional().describe('shown in the log'),
        dryRun: z.boolean().default(false),
      }),
      responses: { 200: { description: 'Stored (or checked, with dryRun)', schema: reportSchema } },
      handler: async ({ body, principal, log }) => {
        const report = await importer.run(body);
        logChange(log, principal, report.stored ? 'geography imported' : 'geography import not stored', {
          target: report.target,
          fileName: body.fileName,
          crs: report.crs,
          rowsRead: report.rowsRead,
          added: report.added,
          updated: report.updated,
          rejected: report.rejected.length,
          dryRun: report.dryRun,
        });
        if (report.rejected.length) throw importRefused('导入', report.rejected, report);
        return report;
      },
    }),
  ];
}
