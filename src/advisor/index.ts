export { type Advice, type AdviseOptions, adviseWorkload, storeLoads } from './advise.js';
export {
  DATA_STORAGE_TREE,
  type DecisionTree,
  type Recommendation,
  type TreeAnswer,
  type TreeNode,
  type TreeTarget,
} from './decision-tree.js';
export { renderTree, type TreeStep, type TreeWalk, treeProblems, walkTree } from './decision-tree-walker.js';
export {
  FACTOR_IDS,
  FACTORS,
  type Factor,
  type FactorId,
  type FactorWeight,
  selectionFactor,
  weightOf,
} from './factor-weights.js';
export {
  MIGRATION_RULES,
  type MigrationAdvice,
  type MigrationNeeds,
  type MigrationRule,
  type MigrationStrategy,
  selectMigration,
} from './migration-selector.js';
export {
  DEFAULT_PLACEMENT_THRESHOLDS,
  type PlacementAdvice,
  type PlacementModel,
  type PlacementThresholds,
  placementAdvice,
  placementModelOf,
} from './placement-advice.js';
export {
  type Contribution,
  checkScores,
  type FactorScores,
  formatContribution,
  rankStores,
  type StoreScore,
  scoreStore,
} from './selection-calculator.js';
export { type SkeletonModule, type SkeletonOptions, workloadFields, writeSkeleton } from './skeleton-writer.js';
export {
  type PolystoreViewKind,
  STORE_KIND_INFO,
  STORE_KINDS,
  type StoreKind,
  type StoreKindInfo,
  storeLabel,
} from './store-kinds.js';
export {
  type EntityNeeds,
  type EntityPlan,
  type PlanRules,
  planStores,
  type StorePlan,
  VIEW_FACTORS,
  type ViewChoice,
} from './store-plan.js';
export {
  compareTco,
  POLYGLOT_OPS_FACTOR,
  type PriceTable,
  type StoreLoad,
  type TcoComparison,
  type TcoLine,
} from './tco.js';
export { FIELD_TYPES, type FieldType, type Workload, type WorkloadEntity } from './workload.js';
export { loadPrices, loadWorkload, parseWorkload } from './workload-loader.js';
