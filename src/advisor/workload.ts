import type { FactorId } from './factor-weights.js';
import type { MigrationNeeds } from './migration-selector.js';
import type { PlanRules } from './store-plan.js';

/** Field types a workload may declare; they become zod types in the skeleton. */
export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'string[]'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** One data set of a workload and how it is used. */
export interface WorkloadEntity {
  /** An identifier (letters, digits, underscores; at most 40 characters). */
  readonly name: string;
  readonly description?: string;
  /** Size of the data in GB, for the TCO comparison (default 1). */
  readonly volumeGb?: number;
  /** Fields besides `id` (a string, always present). */
  readonly fields?: Readonly<Record<string, FieldType>>;
  /** Fields that hold another entity's id: the edges of a graph view. */
  readonly references?: Readonly<Record<string, string>>;
  /** For data kept only in a key-value keyspace: the time to live in minutes (default 60). */
  readonly ttlMinutes?: number;
  /** The selection calculator's factors, scored 0-10 (absent: 0). */
  readonly factors: Readonly<Partial<Record<FactorId, number>>>;
}

/** A workload file: the entities, and optionally the rules' knobs and a migration to plan. */
export interface Workload {
  readonly name: string;
  readonly description?: string;
  readonly entities: readonly WorkloadEntity[];
  readonly rules?: PlanRules;
  readonly migration?: MigrationNeeds;
}
