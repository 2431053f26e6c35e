export * from './metrics.types';
export * from './formulas';
export * from './metrics-accumulator';
export * from './race-metrics';
export * from './describe-metrics';
