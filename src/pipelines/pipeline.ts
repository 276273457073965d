/**
 * One 地下管网 segment's fields and their rules, shared by the import (a survey file's row) and the API:
 * every problem named in zh-CN, since whoever reads it prepared the file.
 */
import type { PipelineKind } from '../db/index.ts';

export const PIPELINE_KIND_LABELS: Record<PipelineKind, string> = {
  water: '给水',
  drainage: '排水',
  gas: '燃气',
  power: '电力',
  telecom: '通信',
  heat: '热力',
};
export const PIPELINE_KINDS = Object.keys(PIPELINE_KIND_LABELS) as PipelineKind[];

/** A kind given as its code or its word (给水, 给水管, 燃气管线 …). */
export function pipelineKindOf(text: string): PipelineKind | undefined {
  const word = text.replace(/(管线|管道|管)$/, '');
  return PIPELINE_KINDS.find((k) => k === text || PIPELINE_KIND_LABELS[k] === word);
}

export const PIPELINE_CODE = /^[A-Za-z0-9-]{1,40}$/;
/** Deeper than this is no urban utility line: a typo (cm for m). */
const MAX_DEPTH_M = 50;
const MAX_DIAMETER_MM = 5000;
const FIRST_YEAR = 1900;

/** The measured columns of a row as given (text, or absent). */
export interface PipelineMeasures {
  depthM?: string;
  diameterMm?: string;
  year?: string;
}

/** depth, diameter and year checked; each problem in words. */
export function checkMeasures(m: PipelineMeasures, thisYear: number, problems: string[]) {
  const number = (text: string | undefined, what: string, min: number, max: number, whole: boolean) => {
    if (text === undefined) return null;
    const n = Number(text);
    if (!Number.isFinite(n) || (whole && !Number.isInteger(n)) || n < min || n > max) {
      problems.push(`${what}应为 ${min}–${max} 之间的${whole ? '整数' : '数'}，实际为「${text}」`);
      return null;
    }
    return n;
  };
  return {
    depthM: number(m.depthM, '埋深（米）', 0, MAX_DEPTH_M, false),
    diameterMm: number(m.diameterMm, '管径（毫米）', 1, MAX_DIAMETER_MM, true),
    year: number(m.year, '建设年份', FIRST_YEAR, thisYear, true),
  };
}
