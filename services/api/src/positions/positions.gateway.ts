import type { Context } from '@opentelemetry/api';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { HttpException, HttpStatus, Inject, type OnModuleDestroy } from '@nestjs/common';
import { AdmissionException } from '../admission/road-ledger';
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import {
  FleetSubscription as FleetSubscriptionBody,
  SocketErrorCodes,
  SocketEvents,
  StartTripBody,
  TripSubscription as TripSubscriptionBody,
  describeZodError,
  socketError,
  type AnyPosition,
  type DirectionAck,
  type SocketError,
  type SubscriptionAck,
} from '@fleetlab/contracts';
import type { Logger } from '@fleetlab/telemetry';
import { AppConfig } from '../config';
import { LOGGER } from '../common/logger';
import { ApiMetrics } from '../metrics/api-metrics';
import { TripsService } from '../trips/trips.service';
import { PositionDispatcher, fleetRoom, tripRoom } from './position-dispatcher';

/** socket.io hands binary payloads over as Buffers, which zod would take for objects with no fields. */
const NotBinary = z.unknown().superRefine((value, ctx) => {
  if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'binary payloads are not accepted', fatal: true });
  }
});
const TripSubscription = NotBinary.pipe(TripSubscriptionBody);
const FleetSubscription = NotBinary.pipe(FleetSubscriptionBody.default({}));
const DirectionRequest = NotBinary.pipe(StartTripBody);

type Ack = SubscriptionAck;

const invalid = (event: string, error: z.ZodError): SocketError =>
  socketError(SocketErrorCodes.invalidPayload, `invalid ${event}: ${describeZodError(error)}`);

/** The original Code Delivery client sent objects, some clients send JSON strings: accept both. */
function payloadOf(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** What the browser is told when a valid new-direction is refused: our own words, never the error's text. */
export function directionRefusal(error: unknown, routeId: string): SocketError {
  const status = error instanceof HttpException ? error.getStatus() : undefined;
  if (status === HttpStatus.NOT_FOUND) return socketError(SocketErrorCodes.routeNotFound, `route ${routeId} not found`);
  if (status === HttpStatus.TOO_MANY_REQUESTS && error instanceof AdmissionException) {
    return socketError(SocketErrorCodes.unavailable, error.refusal.message);
  }
  if (status === HttpStatus.SERVICE_UNAVAILABLE) {
    return socketError(SocketErrorCodes.unavailable, 'trips cannot be started right now; try again shortly');
  }
  return socketError(SocketErrorCodes.internal, 'the trip could not be started; the api logged why');
}

/**
 * socket.io on the HTTP port, default namespace. Browsers start trips (`new-direction`) and subscribe to a trip or a
 * fleet; positions arrive from Kafka through `dispatch`. Every handler answers its ack, errors included: a bad
 * payload never throws out of a handler.
 */
@WebSocketGateway()
export class PositionsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() private server!: Server;
  private dispatcher: PositionDispatcher | undefined;

  constructor(
    private readonly trips: TripsService,
    private readonly metrics: ApiMetrics,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(server: Server): void {
    const sockets = server.sockets;
    this.dispatcher = new PositionDispatcher(
      {
        hasSocket: (id) => sockets.sockets.has(id),
        roomSize: (room) => sockets.adapter.rooms.get(room)?.size ?? 0,
        emit: (targets, event, payload) => sockets.to(targets).emit(event, payload),
      },
      this.metrics,
      this.config.SOCKET_FLUSH_MS,
    );
    this.dispatcher.start();
  }

  /** Delivers one position from Kafka to the sockets that want it. */
  dispatch(position: AnyPosition, processed?: Context): void {
    this.dispatcher?.dispatch(position, processed);
  }

  onModuleDestroy(): void {
    this.dispatcher?.stop();
  }

  handleConnection(client: Socket): void {
    this.metrics.socketConnections.inc();
    this.logger.debug({ socketId: client.id }, 'socket connected');
  }

  handleDisconnect(client: Socket): void {
    this.metrics.socketConnections.dec();
    this.logger.debug({ socketId: client.id }, 'socket disconnected');
  }

  @SubscribeMessage(SocketEvents.newDirection)
  async newDirection(@ConnectedSocket() client: Socket, @MessageBody() data: unknown): Promise<DirectionAck> {
    const parsed = DirectionRequest.safeParse(payloadOf(data));
    if (!parsed.success) return invalid(SocketEvents.newDirection, parsed.error);
    try {
      const started = await this.trips.start({ ...parsed.data, clientId: client.id, source: 'socket' });
      return { tripId: started.tripId };
    } catch (error) {
      this.logger.warn({ err: error, socketId: client.id }, 'new-direction refused');
      return directionRefusal(error, parsed.data.routeId);
    }
  }

  @SubscribeMessage(SocketEvents.subscribeTrip)
  async subscribeTrip(@ConnectedSocket() client: Socket, @MessageBody() data: unknown): Promise<Ack> {
    const parsed = TripSubscription.safeParse(payloadOf(data));
    if (!parsed.success) return invalid(SocketEvents.subscribeTrip, parsed.error);
    const room = tripRoom(parsed.data.tripId);
    await client.join(room);
    return { ok: true, room };
  }

  @SubscribeMessage(SocketEvents.unsubscribeTrip)
  async unsubscribeTrip(@ConnectedSocket() client: Socket, @MessageBody() data: unknown): Promise<Ack> {
    const parsed = TripSubscription.safeParse(payloadOf(data));
    if (!parsed.success) return invalid(SocketEvents.unsubscribeTrip, parsed.error);
    const room = tripRoom(parsed.data.tripId);
    await client.leave(room);
    return { ok: true, room };
  }

  @SubscribeMessage(SocketEvents.subscribeFleet)
  async subscribeFleet(@ConnectedSocket() client: Socket, @MessageBody() data: unknown): Promise<Ack> {
    const parsed = FleetSubscription.safeParse(payloadOf(data) ?? undefined);
    if (!parsed.success) return invalid(SocketEvents.subscribeFleet, parsed.error);
    const room = fleetRoom(parsed.data.fleetId);
    await client.join(room);
    return { ok: true, room };
  }

  @SubscribeMessage(SocketEvents.unsubscribeFleet)
  async unsubscribeFleet(@ConnectedSocket() client: Socket, @MessageBody() data: unknown): Promise<Ack> {
    const parsed = FleetSubscription.safeParse(payloadOf(data) ?? undefined);
    if (!parsed.success) return invalid(SocketEvents.unsubscribeFleet, parsed.error);
    const room = fleetRoom(parsed.data.fleetId);
    await client.leave(room);
    return { ok: true, room };
  }
}
