// Public surface of the G4 LiveTrack replay simulator (demo, e2e tests, benchmarks).
export { generateTriathlon, generateSingleSport } from './race-generator';
export type { GeneratedRace, GeneratedLeg, GenerateOptions, SingleSportOptions, TriathlonOptions } from './race-generator';
export { buildLegCourse, courseGpx, garminCoursesBody, MAX_COURSE_POINTS } from './sim-course';
export type { CourseLeg, CourseWaypoint, GeneratedCourse } from './sim-course';
export { LiveTrackSimulator } from './livetrack-simulator';
export { splitAtWatchRestart } from './watch-restart';
export type { WatchRestartOptions } from './watch-restart';
export type {
  AddSessionOptions,
  FaultKind,
  FaultOptions,
  PlayOptions,
  RequestKind,
  SimCourse,
  SimRequestRecord,
  SimSession,
  SimStats,
  SimulatorOptions,
} from './livetrack-simulator';
export { Rng, mulberry32 } from './prng';
