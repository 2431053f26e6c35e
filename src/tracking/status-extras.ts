import { Injectable } from '@nestjs/common';
import type { CourseProgress } from '../course/course.types';

/** Course progress as the status carries it (the course feature fills it; tracking only passes it on). */
export type StatusCourse = CourseProgress | null;

/**
 * Lets features that tracking must not depend on (the course) add their part to the one status
 * object REST and MCP return, so both faces show the same thing.
 */
@Injectable()
export class StatusExtras {
  private course: ((sessionId: string) => Promise<StatusCourse>) | null = null;

  provideCourse(source: (sessionId: string) => Promise<StatusCourse>): void {
    this.course = source;
  }

  async courseOf(sessionId: string): Promise<StatusCourse> {
    return this.course ? this.course(sessionId) : null;
  }
}
