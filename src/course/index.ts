export * from './course.types';
export * from './geo';
export * from './gpx';
export * from './garmin-course';
export * from './course-progress';
export * from './course-text';
