import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { BoardService } from './board.service';

/**
 * The coach board's one event stream. Its own controller, registered before DashboardController
 * (see DashboardModule) so that `/dashboard/events` is not taken for the race `/dashboard/:id`.
 */
@ApiTags('dashboard')
@Controller('dashboard')
export class BoardController {
  constructor(private readonly board: BoardService) {}

  @Sse('events')
  @ApiOperation({
    summary:
      'Server-Sent Events of the coach board: `board` events, each every athlete\'s card (status worst first, leg, elapsed, distance, HR / power / pace against the leg\'s thresholds, NP, decoupling, ETA, last-point age, alerts sent; finished races apart), after each batch of any session (at most one per second), on lifecycle changes and every 5 s',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Event stream' })
  events(): Observable<MessageEvent> {
    return this.board.stream();
  }
}
