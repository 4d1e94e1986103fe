/**
 * The service request/accept exchange (RFC 4253 §10) and extension negotiation (RFC 8308)
 * once the first key exchange finished.
 */
import { DisconnectReason, SshError, protocolError } from '../errors.js';
import { ExtInfo, ServiceAccept, ServiceRequest } from '../messages/transport.js';
import { encodeUtf8 } from '../wire/writer.js';
import type { ResolvedConfig, Role } from './config.js';
import type { TransportEvent } from './events.js';

/** What the service state needs from the transport. */
export interface ServiceHost {
  /** Sends a transport message (bypassing the key-exchange queue). */
  sendTransport(payload: Uint8Array): void;
  /** Answers the packet with this sequence number with UNIMPLEMENTED (RFC 4253 §11.4). */
  unimplemented(seq: number): void;
  event(e: TransportEvent): void;
}

export class Services {
  /** The service that runs (accepted by the server), if any. */
  current: string | undefined;
  /** Client: the server's `server-sig-algs` (RFC 8308 §3.1), if it sent one. */
  serverSigAlgs: string[] | undefined;
  private requested: string | undefined;

  constructor(
    private readonly role: Role,
    private readonly config: Pick<ResolvedConfig, 'services' | 'serverSigAlgs'>,
    private readonly host: ServiceHost,
  ) {}

  /** Client: checks and records a service request; returns the SERVICE_REQUEST payload to send. */
  request(name: string): Uint8Array {
    if (this.role !== 'client') throw new SshError('ERR_STATE', 'only a client requests services');
    if (this.requested) throw new SshError('ERR_STATE', 'a service was already requested');
    this.requested = name;
    return ServiceRequest.encode({ serviceName: name });
  }

  onServiceRequest(payload: Uint8Array, seq: number): void {
    if (this.role !== 'server') {
      this.host.unimplemented(seq);
      return;
    }
    const { serviceName } = ServiceRequest.decode(payload);
    if (this.current !== undefined) throw protocolError(`service request for ${serviceName} after ${this.current} started`);
    if (!this.config.services.includes(serviceName)) {
      throw new SshError('ERR_SERVICE', `service ${JSON.stringify(serviceName)} is not available`, {
        reason: DisconnectReason.SERVICE_NOT_AVAILABLE,
      });
    }
    this.current = serviceName;
    this.host.sendTransport(ServiceAccept.encode({ serviceName }));
    this.host.event({ type: 'service', name: serviceName });
  }

  onServiceAccept(payload: Uint8Array): void {
    const { serviceName } = ServiceAccept.decode(payload);
    if (this.role !== 'client' || this.requested === undefined || this.current !== undefined) {
      throw protocolError('unexpected SSH_MSG_SERVICE_ACCEPT');
    }
    if (serviceName !== this.requested) {
      throw protocolError(`server accepted service ${serviceName}, but ${this.requested} was requested`);
    }
    this.current = serviceName;
    this.host.event({ type: 'service', name: serviceName });
  }

  sendExtInfo(): void {
    // RFC 8308 §3.1: server-sig-algs lists the signature algorithms accepted for publickey auth.
    const value = encodeUtf8(this.config.serverSigAlgs.join(','));
    this.host.sendTransport(ExtInfo.encode({ extensions: [{ name: 'server-sig-algs', value }] }));
  }

  onExtInfo(payload: Uint8Array): void {
    const m = ExtInfo.decode(payload);
    const map = new Map<string, Uint8Array>();
    for (const e of m.extensions) map.set(e.name, e.value);
    const sigs = map.get('server-sig-algs');
    if (sigs && this.role === 'client') this.serverSigAlgs = new TextDecoder().decode(sigs).split(',').filter(Boolean);
    this.host.event({ type: 'extInfo', extensions: map });
  }
}
